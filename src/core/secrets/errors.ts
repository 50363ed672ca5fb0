export type SecretsErrorKind =
  | 'locked' // this process has no master key (no OS keychain, or the key could not be loaded)
  | 'wrong-key' // the value was sealed under another device's (or another mode's) master key
  | 'damaged' // the value fails authentication: edited, corrupted, or moved to another name
  | 'invalid-input' // a bad name, value or rotation period
  | 'read-only' // a service other than the orchestrator tried to change a key
  | 'master-key-invalid' // FISHMOUTH_MASTER_KEY or a key file holds something that is not a key
  | 'master-key-insecure' // the key file is readable by other users
  | 'master-key-unreadable'; // the key file cannot be read or written

/**
 * A failure of the key store, with a message a person can act on. Messages name keys, never
 * values: these errors get logged and shown.
 */
export class SecretsError extends Error {
  readonly kind: SecretsErrorKind;
  constructor(kind: SecretsErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretsError';
    this.kind = kind;
  }
}
