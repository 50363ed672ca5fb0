import { join } from 'node:path';
import { safeStorage } from 'electron';
import { SEALED_MASTER_KEY_FILE, unlockSealedMasterKey, type DesktopUnlock, type SecretCipher } from './secret-file';

/**
 * Electron's safeStorage as the master key's cipher: the OS keychain (macOS), DPAPI (Windows),
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
      return { ok: false, reason: 'no desktop keyring (GNOME Keyring or KWallet) is running, so API keys could not be encrypted' };
    }
    return { ok: true };
  },
  encrypt: (plainText) => safeStorage.encryptString(plainText),
  decrypt: (cipherText) => safeStorage.decryptString(cipherText),
};

/** The master key for API keys, from `<dataDir>/master-key.enc`. Use after `app.whenReady()`. */
export function unlockDesktopSecrets(dataDir: string): DesktopUnlock {
  return unlockSealedMasterKey(join(dataDir, SEALED_MASTER_KEY_FILE), safeStorageCipher);
}
