//! What the Active Directory scenarios need of a directory server, whichever it is: OpenLDAP's
//! slapd with AD-style entries ([`crate::slapd`], one per test) or a Samba AD domain controller
//! ([`crate::samba`], one per run, each scenario in its own OU). The scenarios in
//! tests/e2e/active_directory.rs are written once against this trait and run against both.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// A user entry to add.
pub struct AdUser<'a> {
    pub uid: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub department: Option<&'a str>,
    pub disabled: bool,
}

impl<'a> AdUser<'a> {
    pub fn new(uid: &'a str, email: &'a str, password: &'a str) -> Self {
        AdUser { uid, email, password, first_name: "Ada", last_name: "Lovelace", department: None, disabled: false }
    }
}

/// A directory server the scenarios change as an administrator of the directory would.
pub trait DirectoryServer {
    /// Which server this is, for messages.
    fn name(&self) -> String;
    /// Adds a user; answers its DN and its `objectGUID` (hex of the 16 bytes).
    fn add_user(&self, u: &AdUser) -> (String, String);
    /// Adds a group named `cn` with these member DNs.
    fn add_group(&self, cn: &str, members: &[&str]);
    /// Takes a member out of a group added by [`DirectoryServer::add_group`].
    fn remove_member(&self, group: &str, member_dn: &str);
    /// Replaces one attribute of an entry (a profile attribute: names, mail, phone, department).
    fn set(&self, dn: &str, attr: &str, value: &str);
    /// Sets ACCOUNTDISABLE on the user (as the directory's own tools do).
    fn disable(&self, dn: &str);
    /// Clears ACCOUNTDISABLE.
    fn enable(&self, dn: &str);
    /// Deletes the user.
    fn delete_user(&self, dn: &str);
    /// Makes the directory count `n` bad passwords for the user (its `badPwdCount`); the domain
    /// locks an account at 5.
    fn bad_passwords(&self, dn: &str, n: u32);
    /// The body of `PUT /api/org/directory` for this server: StartTLS with its CA, the service
    /// account, the base the users were added under.
    fn settings(&self) -> Value;
}

/// Runs a command; its stdout, or a panic naming it with what it printed.
pub fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e} (infra/test-all.sh installs slapd, ldap-utils, openssl and Samba)"));
    assert!(out.status.success(), "{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A private CA (`ca.pem`, `ca.key`) and a server certificate for 127.0.0.1 signed by it
/// (`server.pem`, `server.key`, mode 0600), written into `dir`; answers the CA's PEM. The
/// certificate names the address in its subjectAltName: rustls (webpki) never falls back to the
/// subject's CN.
pub fn make_certificates(dir: &Path) -> String {
    let p = |f: &str| dir.join(f).to_string_lossy().into_owned();
    run(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=SecBoard test CA"])
            .args(["-keyout", &p("ca.key"), "-out", &p("ca.pem")]),
        "openssl (CA)",
    );
    run(
        Command::new("openssl").args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"]).args([
            "-keyout",
            &p("server.key"),
            "-out",
            &p("server.csr"),
        ]),
        "openssl (request)",
    );
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    run(
        Command::new("openssl").args(["x509", "-req", "-days", "2", "-CAcreateserial"]).args([
            "-in",
            &p("server.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-out",
            &p("server.pem"),
            "-extfile",
            &p("ext.cnf"),
        ]),
        "openssl (sign)",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::read_to_string(dir.join("ca.pem")).unwrap()
}
