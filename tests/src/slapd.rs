//! A throwaway OpenLDAP `slapd` with Active Directory-style entries, one per test (ready in well
//! under a second): a small schema reusing Microsoft's OIDs (`user` with `userAccountControl`,
//! `objectGUID`, `department`, `badPwdCount`; `lockoutThreshold` on the domain), the `memberof`
//! overlay, a service account, and a private CA whose certificate (for 127.0.0.1) StartTLS uses.
//! The test command installs slapd (infra/test-all.sh); a machine without it fails loudly.

pub use crate::ad_server::AdUser;
use crate::ad_server::{DirectoryServer, make_certificates, run};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const SUFFIX: &str = "dc=corp,dc=example";
pub const PEOPLE: &str = "ou=people,dc=corp,dc=example";
pub const GROUPS: &str = "ou=groups,dc=corp,dc=example";
pub const SERVICE_DN: &str = "cn=svc,dc=corp,dc=example";
pub const SERVICE_PASSWORD: &str = "svc-Secret-2026";
const ROOT_DN: &str = "cn=admin,dc=corp,dc=example";
const ROOT_PASSWORD: &str = "root-Secret-2026";

/// The AD-style schema (also loaded by the browser tests' slapd, tests/browser/specs/slapd.mjs).
const SCHEMA: &str = include_str!("ad.schema");

pub struct Slapd {
    pub port: u16,
    pub ca_pem: String,
    dir: tempfile::TempDir,
    child: Child,
    guids: std::sync::atomic::AtomicU8,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Slapd {
    /// A fresh server with the domain (lockout threshold 5), `ou=people`, `ou=groups` and the
    /// service account.
    pub fn start() -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let p = |f: &str| d.join(f).to_string_lossy().into_owned();
        std::fs::write(d.join("ad.schema"), SCHEMA).unwrap();
        std::fs::create_dir(d.join("db")).unwrap();
        // A private CA and a server certificate for 127.0.0.1 signed by it.
        let ca_pem = make_certificates(&d);
        let conf = format!(
            "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\ninclude /etc/ldap/schema/inetorgperson.schema\n\
             include {schema}\nmodulepath /usr/lib/ldap\nmoduleload back_mdb\nmoduleload memberof\npidfile {pid}\n\
             TLSCACertificateFile {ca}\nTLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n\
             access to attrs=userPassword by anonymous auth by * none\naccess to * by * read\n\
             database mdb\nsuffix \"{SUFFIX}\"\nrootdn \"{ROOT_DN}\"\nrootpw {ROOT_PASSWORD}\ndirectory {db}\noverlay memberof\n",
            schema = p("ad.schema"),
            pid = p("slapd.pid"),
            ca = p("ca.pem"),
            cert = p("server.pem"),
            key = p("server.key"),
            db = p("db"),
        );
        std::fs::write(d.join("slapd.conf"), conf).unwrap();
        let port = free_port();
        let child = Command::new("slapd")
            .args(["-d", "0", "-h", &format!("ldap://127.0.0.1:{port}/"), "-f", &p("slapd.conf")])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("slapd.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting slapd: {e} (infra/test-all.sh installs it: apt-get install slapd ldap-utils)"));
        let mut s = Slapd { port, ca_pem, dir, child, guids: std::sync::atomic::AtomicU8::new(1) };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = s.child.try_wait() {
                panic!("slapd exited ({status}): {}", std::fs::read_to_string(d.join("slapd.log")).unwrap_or_default());
            }
            assert!(started.elapsed().as_secs() < 10, "slapd is not answering on {port}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        s.add(&format!(
            "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\nobjectClass: domainDNS\no: Corp\ndc: corp\nlockoutThreshold: 5\n\n\
             dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n\n\
             dn: {SERVICE_DN}\nobjectClass: person\ncn: svc\nsn: svc\nuserPassword: {SERVICE_PASSWORD}\n"
        ));
        s
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    pub fn folder(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn ldap_tool(&self, tool: &str, ldif: &str) {
        let path = self.dir.path().join("change.ldif");
        std::fs::write(&path, ldif).unwrap();
        run(
            Command::new(tool).args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f"]).arg(&path),
            &format!("{tool} {ldif}"),
        );
    }

    /// Adds entries (LDIF) as the directory's root.
    pub fn add(&self, ldif: &str) {
        self.ldap_tool("ldapadd", ldif);
    }

    /// Changes entries (LDIF with `changetype`) as the directory's root.
    pub fn modify(&self, ldif: &str) {
        self.ldap_tool("ldapmodify", ldif);
    }

    /// Adds a user under `ou=people` with a GUID of its own; answers its DN and GUID (hex).
    pub fn add_user(&self, u: &AdUser) -> (String, String) {
        use base64::Engine;
        let n = self.guids.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let guid: Vec<u8> = (0..16u8).map(|i| i.wrapping_mul(17).wrapping_add(n)).collect();
        let dn = format!("uid={},{PEOPLE}", u.uid);
        let mut ldif = format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: user\nuid: {uid}\ncn: {first} {last}\ngivenName: {first}\nsn: {last}\n\
             mail: {email}\nuserAccountControl: {uac}\nobjectGUID:: {guid}\nuserPassword: {pw}\n",
            uid = u.uid,
            first = u.first_name,
            last = u.last_name,
            email = u.email,
            uac = if u.disabled { 514 } else { 512 },
            guid = base64::engine::general_purpose::STANDARD.encode(&guid),
            pw = u.password,
        );
        if let Some(d) = u.department {
            ldif.push_str(&format!("department: {d}\n"));
        }
        self.add(&ldif);
        (dn, hex::encode(guid))
    }

    /// Adds a group under `ou=groups` with these member DNs, and the service account: a
    /// groupOfNames must keep a member when the others are taken out.
    pub fn add_group(&self, cn: &str, members: &[&str]) {
        let mut ldif = format!("dn: cn={cn},{GROUPS}\nobjectClass: groupOfNames\ncn: {cn}\nmember: {SERVICE_DN}\n");
        for m in members.iter().filter(|m| **m != SERVICE_DN) {
            ldif.push_str(&format!("member: {m}\n"));
        }
        self.add(&ldif);
    }

    /// Replaces one attribute of an entry.
    pub fn set(&self, dn: &str, attr: &str, value: &str) {
        self.modify(&format!("dn: {dn}\nchangetype: modify\nreplace: {attr}\n{attr}: {value}\n"));
    }

    /// The body of `PUT /api/org/directory` for this server: StartTLS with its CA.
    pub fn settings(&self) -> Value {
        json!({
            "url": self.url(),
            "ca_pem": self.ca_pem,
            "bind_dn": SERVICE_DN,
            "bind_password": SERVICE_PASSWORD,
            "user_base": PEOPLE,
            "connect_timeout_ms": 2000,
            "operation_timeout_ms": 2000,
        })
    }
}

impl DirectoryServer for Slapd {
    fn name(&self) -> String {
        format!("slapd on {}", self.url())
    }
    fn add_user(&self, u: &AdUser) -> (String, String) {
        Slapd::add_user(self, u)
    }
    fn add_group(&self, cn: &str, members: &[&str]) {
        Slapd::add_group(self, cn, members)
    }
    fn remove_member(&self, group: &str, member_dn: &str) {
        self.modify(&format!("dn: cn={group},{GROUPS}\nchangetype: modify\ndelete: member\nmember: {member_dn}\n"));
    }
    fn set(&self, dn: &str, attr: &str, value: &str) {
        Slapd::set(self, dn, attr, value)
    }
    fn disable(&self, dn: &str) {
        self.set(dn, "userAccountControl", "514");
    }
    fn enable(&self, dn: &str) {
        self.set(dn, "userAccountControl", "512");
    }
    fn delete_user(&self, dn: &str) {
        self.modify(&format!("dn: {dn}\nchangetype: delete\n"));
    }
    /// slapd keeps no count of its own: the attribute is written as AD would have counted.
    fn bad_passwords(&self, dn: &str, n: u32) {
        self.set(dn, "badPwdCount", &n.to_string());
    }
    fn settings(&self) -> Value {
        Slapd::settings(self)
    }
}

/// A listener that accepts connections and never answers: a directory that hangs.
pub struct SilentDirectory {
    pub port: u16,
    _task: tokio::task::JoinHandle<()>,
}

impl SilentDirectory {
    pub async fn start() -> SilentDirectory {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut held = vec![];
            while let Ok((sock, _)) = listener.accept().await {
                held.push(sock);
            }
        });
        SilentDirectory { port, _task: task }
    }
}

impl Drop for SilentDirectory {
    fn drop(&mut self) {
        self._task.abort();
    }
}
