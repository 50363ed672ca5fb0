import type { z } from 'zod';

/** One method of a contract: the schema of its parameters and of its result. */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
  /** Whether the method may report progress (informational; any method may be cancelled). */
  progress?: boolean;
}

/** What one side of a link serves: named methods and the events it may push. */
export interface Contract {
  name: string;
  methods: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
}

export function defineContract<const C extends Contract>(contract: C): C {
  return contract;
}

export type MethodName<C extends Contract> = keyof C['methods'] & string;
export type EventName<C extends Contract> = keyof C['events'] & string;
export type ParamsOf<C extends Contract, M extends MethodName<C>> = z.input<C['methods'][M]['params']>;
export type ResultOf<C extends Contract, M extends MethodName<C>> = z.output<C['methods'][M]['result']>;
export type EventOf<C extends Contract, E extends EventName<C>> = z.output<C['events'][E]>;
