//! The deployment's secret key and what is derived from it. The key comes from SSM (on AWS) or a
//! 0600 file in the data folder (locally); it is never in code, template or plain environment.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// 32 secret bytes; each use derives its own subkey, so one purpose never signs for another.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// What a derived key is for.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    /// Signs list cursors so a client cannot forge a start key.
    Cursor,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Cursor => b"secboard/cursor/v1",
        }
    }
}

impl MasterKey {
    pub fn from_bytes(b: [u8; 32]) -> Self {
        MasterKey(b)
    }
    /// Parses the stored form: 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let v = hex::decode(s.trim()).ok()?;
        Some(MasterKey(v.try_into().ok()?))
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn subkey(&self, purpose: Purpose) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose.label());
        mac.finalize().into_bytes().into()
    }

    pub fn sign(&self, purpose: Purpose, data: &[u8]) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.subkey(purpose)).expect("HMAC takes any key length");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Constant-time check of a tag made by [`MasterKey::sign`].
    pub fn verify(&self, purpose: Purpose, data: &[u8], tag: &[u8]) -> bool {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.subkey(purpose)).expect("HMAC takes any key length");
        mac.update(data);
        mac.verify_slice(tag).is_ok()
    }
}

/// SHA-256 of a secret, hex: what is stored in place of a session or link secret.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_verify_only_for_their_data_and_key() {
        let k = MasterKey::from_bytes([7; 32]);
        let t = k.sign(Purpose::Cursor, b"abc");
        assert!(k.verify(Purpose::Cursor, b"abc", &t));
        assert!(!k.verify(Purpose::Cursor, b"abd", &t));
        assert!(!MasterKey::from_bytes([8; 32]).verify(Purpose::Cursor, b"abc", &t));
        assert_eq!(MasterKey::from_hex(&k.to_hex()).unwrap().to_hex(), k.to_hex());
        assert!(MasterKey::from_hex("abcd").is_none());
    }
}
