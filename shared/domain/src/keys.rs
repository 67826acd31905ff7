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
    /// Encrypts queued mail, which carries one-time links, while it waits in the table.
    Mail,
    /// Encrypts TOTP secrets at rest (the user id as associated data).
    Totp,
    /// Names what is throttled after an email as typed, so a count's key does not hold the email.
    Throttle,
    /// Names an address mail no longer goes to (it bounced or complained), without holding it.
    Suppression,
    /// Encrypts the directory's service-account password at rest.
    Directory,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Cursor => b"secboard/cursor/v1",
            Purpose::Mail => b"secboard/mail/v1",
            Purpose::Totp => b"secboard/totp/v1",
            Purpose::Throttle => b"secboard/throttle/v1",
            Purpose::Suppression => b"secboard/suppression/v1",
            Purpose::Directory => b"secboard/directory/v1",
        }
    }
}

/// The key id written in front of sealed data, for rotation: a later key gets a new id.
pub const KEY_ID: u8 = 1;

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

impl MasterKey {
    /// AES-256-GCM with a derived key: `KEY_ID | nonce (12) | ciphertext+tag`. `aad` binds the
    /// data to its owner (a mail's id), so a sealed value cannot be moved to another item.
    pub fn seal(&self, purpose: Purpose, aad: &[u8], plaintext: &[u8], nonce: [u8; 12]) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.subkey(purpose)).expect("a 32-byte key");
        let sealed = cipher.encrypt((&nonce).into(), Payload { msg: plaintext, aad }).expect("AES-GCM encrypts any length we use");
        let mut out = Vec::with_capacity(1 + 12 + sealed.len());
        out.push(KEY_ID);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`MasterKey::seal`] made; `None` if it was altered, moved or sealed by another key.
    pub fn open(&self, purpose: Purpose, aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        if sealed.len() < 13 || sealed[0] != KEY_ID {
            return None;
        }
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.subkey(purpose)).ok()?;
        cipher.decrypt(sealed[1..13].into(), Payload { msg: &sealed[13..], aad }).ok()
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

    #[test]
    fn sealed_data_opens_only_with_its_key_and_owner() {
        let k = MasterKey::from_bytes([7; 32]);
        let sealed = k.seal(Purpose::Mail, b"mail-1", b"a one-time link", [3; 12]);
        assert!(!sealed.windows(8).any(|w| w == b"one-time"), "no plaintext in the sealed form");
        assert_eq!(k.open(Purpose::Mail, b"mail-1", &sealed).unwrap(), b"a one-time link");
        assert!(k.open(Purpose::Mail, b"mail-2", &sealed).is_none(), "bound to its owner");
        assert!(MasterKey::from_bytes([8; 32]).open(Purpose::Mail, b"mail-1", &sealed).is_none());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(k.open(Purpose::Mail, b"mail-1", &altered).is_none());
    }
}
