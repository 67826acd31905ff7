//! A real Active Directory domain controller: Samba (Debian's `samba samba-ad-dc
//! samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind`, installed by
//! infra/test-all.sh), provisioned into a temporary folder, changed with `samba-tool` as an AD
//! administrator would, and run in the foreground (`samba -i`).
//!
//! Its LDAP ports (389, 636) are fixed and need root, so there is one DC at a time: a run starts
//! one ([`Samba::start`]), and the scenarios share it, each in an OU of its own
//! ([`Samba::scope`]) under which its users are searched, so no scenario sees another's entries.
//! [`Samba::start`] holds an exclusive lock on a file in the temporary folder for the DC's
//! lifetime, so a second test process (another run on the same machine, or `cargo test` running
//! tests as threads) waits for the port instead of failing on it; the nextest test group
//! `samba-dc` (.config/nextest.toml) keeps nextest from even trying.
//!
//! The DC ends with the test process whatever happens: `samba -i` terminates (and ends its
//! workers) when its stdin closes, and its stdin is a pipe this process holds.
//!
//! StartTLS uses a private CA's certificate for 127.0.0.1 (`tls certfile`, `tls keyfile`,
//! `tls cafile`): the certificate Samba generates for itself names the host only in its
//! subject's CN, with no subjectAltName, and rustls (webpki) checks subjectAltName alone, so no
//! CA given in the settings makes that one trusted.
//!
//! A missing Samba fails the test loudly, naming the packages; nothing is skipped.

pub use crate::ad_server::AdUser;
use crate::ad_server::{DirectoryServer, make_certificates, run};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "CORP.EXAMPLE";
pub const DOMAIN_DN: &str = "DC=corp,DC=example";
pub const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=corp,DC=example";
pub const ADMIN_PASSWORD: &str = "Admin-Secret-2026";
/// The service account SecBoard binds as: an ordinary domain user, in `CN=Users`.
pub const SERVICE_DN: &str = "CN=secboard-svc,CN=Users,DC=corp,DC=example";
pub const SERVICE_PASSWORD: &str = "Svc-Secret-2026";
/// The domain locks an account at this many bad passwords (as slapd's domain entry says).
pub const LOCKOUT_THRESHOLD: u32 = 5;
const URL: &str = "ldap://127.0.0.1";
const PACKAGES: &str = "samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind";

pub struct Samba {
    pub ca_pem: String,
    /// How long provisioning and starting took, until the DC answered (after any wait for another DC).
    pub started_in: Duration,
    dir: tempfile::TempDir,
    conf: PathBuf,
    child: Child,
    /// `samba -i` ends when this closes.
    stdin: Option<ChildStdin>,
    _lock: std::fs::File,
}

impl Drop for Samba {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

impl Samba {
    /// Provisions a domain (`corp.example`, lockout at [`LOCKOUT_THRESHOLD`]) with the service
    /// account, starts the DC on 127.0.0.1 and waits until it answers LDAP.
    pub fn start() -> Samba {
        for (program, arg) in [("samba", "-V"), ("samba-tool", "--version")] {
            assert!(
                installed(program, arg),
                "`{program}` is not installed: the Samba AD DC tests need Debian's {PACKAGES} (infra/test-all.sh installs them)"
            );
        }
        for (program, arg) in [("ldapmodify", "-VV"), ("openssl", "version")] {
            // ldapmodify -VV exits 0 after its version; checked for the message only.
            let found = Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
            assert!(found, "`{program}` is not installed (infra/test-all.sh installs ldap-utils and openssl)");
        }
        let lock = one_dc_at_a_time();
        let started = Instant::now();
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", 389)).is_err(),
            "something already listens on 127.0.0.1:389; a Samba DC needs the port (one DC at a time)"
        );

        let dir = tempfile::Builder::new().prefix("secboard-samba-").tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let tls = d.join("tls");
        std::fs::create_dir(&tls).unwrap();
        let ca_pem = make_certificates(&tls);
        run(
            Command::new("samba-tool").args([
                "domain",
                "provision",
                "--use-rfc2307",
                &format!("--realm={REALM}"),
                "--domain=CORP",
                "--server-role=dc",
                "--dns-backend=NONE",
                "--host-name=sbdc1",
                &format!("--adminpass={ADMIN_PASSWORD}"),
                &format!("--targetdir={}", d.display()),
                "--option=interfaces=127.0.0.1",
                "--option=bind interfaces only=yes",
                "--option=netbios name=SBDC1",
            ]),
            "samba-tool domain provision",
        );
        let conf = d.join("etc/smb.conf");
        let p = |f: &Path| f.to_string_lossy().into_owned();
        add_to_global(
            &conf,
            &[
                // Simple binds over StartTLS or plain LDAP (the provision option does not stick).
                "ldap server require strong auth = no".to_owned(),
                // LDAP alone: no SMB, Kerberos or RPC ports, and a faster start.
                "server services = ldap".to_owned(),
                "tls enabled = yes".to_owned(),
                format!("tls certfile = {}", p(&tls.join("server.pem"))),
                format!("tls keyfile = {}", p(&tls.join("server.key"))),
                format!("tls cafile = {}", p(&tls.join("ca.pem"))),
                format!("pid directory = {}", p(&d.join("run"))),
                format!("log file = {}", p(&d.join("log.%m"))),
            ],
        );
        std::fs::create_dir_all(d.join("run")).unwrap();
        samba_tool(&conf, &["domain", "passwordsettings", "set", &format!("--account-lockout-threshold={LOCKOUT_THRESHOLD}")]);
        samba_tool(&conf, &["user", "create", "secboard-svc", SERVICE_PASSWORD, "--use-username-as-cn"]);

        let log = std::fs::File::create(d.join("samba.log")).unwrap();
        let mut child = Command::new("samba")
            .args(["-i", "-s"])
            .arg(&conf)
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting samba: {e} (Debian's {PACKAGES})"));
        let stdin = child.stdin.take();
        let mut dc = Samba { ca_pem, started_in: Duration::ZERO, dir, conf, child, stdin, _lock: lock };
        loop {
            if let Ok(Some(status)) = dc.child.try_wait() {
                panic!(
                    "samba exited ({status}); it needs root for ports 389 and 636: {}",
                    std::fs::read_to_string(d.join("samba.log")).unwrap_or_default()
                );
            }
            if dc.answers() {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "samba is not answering on 389 after {:?}", started.elapsed());
            std::thread::sleep(Duration::from_millis(100));
        }
        dc.started_in = started.elapsed();
        dc
    }

    /// The rootDSE answers an anonymous search.
    fn answers(&self) -> bool {
        std::net::TcpStream::connect(("127.0.0.1", 389)).is_ok()
            && Command::new("ldapsearch")
                .args(["-x", "-H", URL, "-b", "", "-s", "base", "defaultNamingContext"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    }

    pub fn folder(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// `samba-tool ARGS -s <this DC's smb.conf>`; its output.
    pub fn tool(&self, args: &[&str]) -> String {
        samba_tool(&self.conf, args)
    }

    /// An LDIF change (`changetype`) over LDAP as the domain's Administrator.
    pub fn modify(&self, ldif: &str) {
        let path = self.dir.path().join("change.ldif");
        std::fs::write(&path, ldif).unwrap();
        run(
            Command::new("ldapmodify").args(["-x", "-H", URL, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, "-f"]).arg(&path),
            &format!("ldapmodify {ldif}"),
        );
    }

    /// One attribute of an entry, as the Administrator reads it (base64 values decoded).
    pub fn read(&self, dn: &str, attr: &str) -> Option<Vec<u8>> {
        use base64::Engine;
        let out =
            run(
                Command::new("ldapsearch")
                    .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H", URL, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
                    .args(["-b", dn, "-s", "base", "(objectClass=*)", attr]),
                &format!("ldapsearch {dn} {attr}"),
            );
        out.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            if !name.eq_ignore_ascii_case(attr) {
                return None;
            }
            match value.strip_prefix(':') {
                Some(b64) => base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok(),
                None => Some(value.trim().as_bytes().to_vec()),
            }
        })
    }

    /// A part of the directory of its own for one scenario: the OU `name` (users are searched
    /// under it), with account names prefixed by `name-` (they are unique in the domain).
    pub fn scope(&self, name: &str) -> SambaScope<'_> {
        self.tool(&["ou", "add", &format!("OU={name}")]);
        SambaScope { dc: self, ou: format!("OU={name},{DOMAIN_DN}"), ou_rdn: format!("OU={name}"), prefix: format!("{name}-") }
    }
}

fn samba_tool(conf: &Path, args: &[&str]) -> String {
    run(Command::new("samba-tool").args(args).arg("-s").arg(conf), &format!("samba-tool {}", args.join(" ")))
}

/// Inserts lines at the end of smb.conf's `[global]` section (a later line wins in Samba, so
/// they are put after what the provision wrote).
fn add_to_global(conf: &Path, lines: &[String]) {
    let text = std::fs::read_to_string(conf).unwrap();
    let global = text.find("[global]").expect("smb.conf has a [global] section");
    let end = text[global + 1..].find("\n[").map_or(text.len(), |i| global + 2 + i);
    let mut out = text[..end].to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for l in lines {
        out.push('\t');
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&text[end..]);
    std::fs::write(conf, out).unwrap();
}

/// The lock that keeps one DC at a time on this machine: held until it is dropped.
fn one_dc_at_a_time() -> std::fs::File {
    let path = std::env::temp_dir().join("secboard-samba-dc.lock");
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).unwrap();
    if file.try_lock().is_err() {
        eprintln!("waiting for another Samba DC (lock {}) to end", path.display());
        file.lock().unwrap();
    }
    file
}

/// One scenario's part of the DC.
pub struct SambaScope<'a> {
    dc: &'a Samba,
    ou: String,
    ou_rdn: String,
    prefix: String,
}

impl SambaScope<'_> {
    /// The account name (`sAMAccountName`, also the CN) of a DN this scope made.
    fn account(&self, dn: &str) -> String {
        let cn = dn.split(',').next().and_then(|rdn| rdn.strip_prefix("CN=")).unwrap_or_else(|| panic!("not a user's DN: {dn}"));
        assert!(cn.starts_with(&self.prefix), "{dn} is not in {}", self.ou);
        cn.to_owned()
    }

    pub fn base(&self) -> &str {
        &self.ou
    }
}

impl DirectoryServer for SambaScope<'_> {
    fn name(&self) -> String {
        format!("Samba AD DC, {}", self.ou)
    }

    fn add_user(&self, u: &AdUser) -> (String, String) {
        let account = format!("{}{}", self.prefix, u.uid);
        let mut args = vec![
            "user".to_owned(),
            "create".to_owned(),
            account.clone(),
            u.password.to_owned(),
            "--use-username-as-cn".to_owned(),
            format!("--userou={}", self.ou_rdn),
            format!("--given-name={}", u.first_name),
            format!("--surname={}", u.last_name),
            format!("--mail-address={}", u.email),
        ];
        if let Some(d) = u.department {
            args.push(format!("--department={d}"));
        }
        self.dc.tool(&args.iter().map(String::as_str).collect::<Vec<_>>());
        if u.disabled {
            self.dc.tool(&["user", "disable", &account]);
        }
        let dn = format!("CN={account},{}", self.ou);
        let guid = self.dc.read(&dn, "objectGUID").unwrap_or_else(|| panic!("{dn} has no objectGUID"));
        assert_eq!(guid.len(), 16, "{dn}'s objectGUID");
        (dn, hex::encode(guid))
    }

    fn add_group(&self, cn: &str, members: &[&str]) {
        // A group's account name is its CN, unique in the domain: one scenario uses a name.
        self.dc.tool(&["group", "add", cn, &format!("--groupou={}", self.ou_rdn)]);
        if !members.is_empty() {
            let accounts: Vec<String> = members.iter().map(|dn| self.account(dn)).collect();
            self.dc.tool(&["group", "addmembers", cn, &accounts.join(",")]);
        }
    }

    fn remove_member(&self, group: &str, member_dn: &str) {
        self.dc.tool(&["group", "removemembers", group, &self.account(member_dn)]);
    }

    fn set(&self, dn: &str, attr: &str, value: &str) {
        self.dc.modify(&format!("dn: {dn}\nchangetype: modify\nreplace: {attr}\n{attr}: {value}\n"));
    }

    fn disable(&self, dn: &str) {
        self.dc.tool(&["user", "disable", &self.account(dn)]);
    }

    fn enable(&self, dn: &str) {
        self.dc.tool(&["user", "enable", &self.account(dn)]);
    }

    fn delete_user(&self, dn: &str) {
        self.dc.tool(&["user", "delete", &self.account(dn)]);
    }

    /// Binds as the user with a wrong password `n` times: the DC counts them itself (each
    /// refused with `data 52e`, a wrong password).
    fn bad_passwords(&self, dn: &str, n: u32) {
        for _ in 0..n {
            let out = Command::new("ldapwhoami").args(["-x", "-H", URL, "-D", dn, "-w", "not-the-Password-1"]).output().unwrap();
            let said = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success() && said.contains("data 52e"), "a wrong password for {dn}: {said}");
        }
        let count = self.dc.read(dn, "badPwdCount").map(|v| String::from_utf8_lossy(&v).into_owned());
        assert_eq!(count.as_deref(), Some(n.to_string().as_str()), "{dn}'s badPwdCount");
    }

    fn settings(&self) -> Value {
        json!({
            "url": URL,
            "ca_pem": self.dc.ca_pem,
            "bind_dn": SERVICE_DN,
            "bind_password": SERVICE_PASSWORD,
            "user_base": self.ou,
            "connect_timeout_ms": 5000,
            "operation_timeout_ms": 5000,
        })
    }
}
