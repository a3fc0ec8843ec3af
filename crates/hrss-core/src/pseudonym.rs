//! Keyed pseudonyms (HMAC-SHA256) for personal identifiers, and where the key comes from.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{CoreError, Result};

/// Environment variable holding the pseudonym key itself.
pub const KEY_ENV: &str = "HRSS_PSEUDONYM_KEY";
const MIN_KEY_BYTES: usize = 32;

/// Turns identifiers into stable keyed pseudonyms: the same person gets the same pseudonym in every source.
#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer { key: <redacted> }")
    }
}

impl Pseudonymizer {
    pub fn from_key(key: &[u8], source_name: &str) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(CoreError::WeakPseudonymKey { source_name: source_name.to_string(), len: key.len() });
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
        Ok(Self { mac })
    }

    /// The key from `HRSS_PSEUDONYM_KEY`, else from `key_file`.
    pub fn from_env_or_file(key_file: &Path) -> Result<Self> {
        if let Ok(key) = std::env::var(KEY_ENV) {
            return Self::from_key(key.trim().as_bytes(), KEY_ENV);
        }
        match std::fs::read_to_string(key_file) {
            Ok(key) => Self::from_key(key.trim().as_bytes(), &key_file.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(CoreError::MissingPseudonymKey { path: key_file.to_path_buf() })
            }
            Err(source) => Err(CoreError::Io { path: key_file.to_path_buf(), source }),
        }
    }

    /// A pseudonym for `value` within `domain` (e.g. "person"), 32 hex characters.
    pub fn pseudonym(&self, domain: &str, value: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(domain.as_bytes());
        mac.update(b"\x1f");
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        hex::encode(&digest[..16])
    }
}

/// Writes a fresh random key file (hex of 32 random bytes) unless one exists; returns its path.
pub fn ensure_key_file(path: &Path) -> Result<PathBuf> {
    if path.exists() {
        return Ok(path.to_path_buf());
    }
    let io_err = |source| CoreError::Io { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_err)?;
    }
    let key = hex::encode(uuid::Uuid::new_v4().as_bytes()) + &hex::encode(uuid::Uuid::new_v4().as_bytes());
    std::fs::write(path, key).map_err(io_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io_err)?;
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_domain_separated() {
        let a = Pseudonymizer::from_key(&[7u8; 32], "test").expect("key");
        let b = Pseudonymizer::from_key(&[8u8; 32], "test").expect("key");
        let id = "33060219850315123X";
        assert_eq!(a.pseudonym("person", id), a.pseudonym("person", id));
        assert_ne!(a.pseudonym("person", id), b.pseudonym("person", id));
        assert_ne!(a.pseudonym("person", id), a.pseudonym("employer", id));
        assert_eq!(a.pseudonym("person", id).len(), 32);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(matches!(Pseudonymizer::from_key(b"short", "env"), Err(CoreError::WeakPseudonymKey { .. })));
    }
}
