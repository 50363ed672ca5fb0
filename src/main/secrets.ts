import { join } from 'node:path';
import { safeStorage } from 'electron';
import { openSecretStore, type SecretCipher, type SecretStore } from './secret-file';

export { SecretStoreError, type SecretStore } from './secret-file';

/**
 * Electron's safeStorage as the key store's cipher: the OS keychain (macOS), DPAPI (Windows),
 * libsecret or KWallet (Linux).
 * Note: on Linux without a keyring Electron falls back to 'basic_text', a fixed key compiled into
 * Chromium; that is obfuscation, not encryption, so we treat it as unavailable.
 */
const safeStorageCipher: SecretCipher = {
  availability() {
    if (!safeStorage.isEncryptionAvailable()) {
      return { ok: false, reason: 'this system offers no encryption for app secrets (no OS keychain)' };
    }
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      return { ok: false, reason: 'no desktop keyring (GNOME Keyring or KWallet) is running, so keys could not be encrypted' };
    }
    return { ok: true };
  },
  encrypt: (plainText) => safeStorage.encryptString(plainText),
  decrypt: (cipherText) => safeStorage.decryptString(cipherText),
};

/** The app's API keys, encrypted in `<dataDir>/secrets.json`. Use after `app.whenReady()`. */
export function openAppSecrets(dataDir: string): SecretStore {
  return openSecretStore(join(dataDir, 'secrets.json'), safeStorageCipher);
}
