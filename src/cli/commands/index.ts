import type { CliCommand } from '../command';
import { budgetCommand } from './budget';
import { demoCommand } from './demo';
import { emulatorsCommand } from './emulators';
import { enhanceCommand } from './enhance';
import { imageryCommand } from './imagery';
import { importCommand } from './import';
import { keysCommand } from './keys';
import { leadsCommand } from './leads';
import { modelCommand } from './model';
import { routeCommand } from './route';
import { scanCommand } from './scan';
import { serveCommand } from './serve';
import { sourcesCommand } from './sources';
import { spendCommand } from './spend';
import { statusCommand } from './status';
import { visitCommand } from './visit';

/**
 * Every `fishmouth` subcommand, in the order `fishmouth help` lists them. A new command is a
 * module in this folder and one line here; the dispatcher needs no change.
 */
export const COMMANDS: readonly CliCommand[] = [serveCommand, statusCommand, keysCommand, budgetCommand, spendCommand, sourcesCommand, importCommand, emulatorsCommand, scanCommand, imageryCommand, enhanceCommand, leadsCommand, routeCommand, visitCommand, modelCommand, demoCommand];
