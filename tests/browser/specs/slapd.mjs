// A throwaway OpenLDAP slapd for the browser tests, with the Rust tests' AD-style schema
// (tests/src/ad.schema): plain ldap:// on a free port of loopback (the settings say `insecure`;
// StartTLS is proven by the Rust tests), a service account, users under ou=people. The test
// command installs slapd and ldap-utils (infra/test-all.sh); without them this throws.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./fixtures.mjs";

const SUFFIX = "dc=corp,dc=example";
const PEOPLE = `ou=people,${SUFFIX}`;
const ROOT_DN = `cn=admin,${SUFFIX}`;
const ROOT_PASSWORD = "root-Secret-2026";
const SERVICE_DN = `cn=svc,${SUFFIX}`;
const SERVICE_PASSWORD = "svc-Secret-2026";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function answers(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1", () => { c.end(); resolve(true); });
    c.on("error", () => resolve(false));
  });
}

export async function startSlapd() {
  const dir = mkdtempSync(join(tmpdir(), "secboard-slapd-"));
  mkdirSync(join(dir, "db"));
  writeFileSync(join(dir, "ad.schema"), readFileSync(join(ROOT, "tests/src/ad.schema")));
  writeFileSync(join(dir, "slapd.conf"), [
    "include /etc/ldap/schema/core.schema", "include /etc/ldap/schema/cosine.schema", "include /etc/ldap/schema/inetorgperson.schema",
    `include ${join(dir, "ad.schema")}`, "modulepath /usr/lib/ldap", "moduleload back_mdb", "moduleload memberof",
    `pidfile ${join(dir, "slapd.pid")}`,
    "access to attrs=userPassword by anonymous auth by * none", "access to * by * read",
    "database mdb", `suffix "${SUFFIX}"`, `rootdn "${ROOT_DN}"`, `rootpw ${ROOT_PASSWORD}`, `directory ${join(dir, "db")}`, "overlay memberof", "",
  ].join("\n"));
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child = spawn("slapd", ["-d", "0", "-h", `${url}/`, "-f", join(dir, "slapd.conf")], { stdio: "ignore" });
  let exited = null;
  child.on("exit", (code) => { exited = code; });
  child.on("error", (e) => { exited = e.message; });
  for (let i = 0; !(await answers(port)); i++) {
    if (exited !== null || i > 200) throw new Error(`slapd did not start (${exited}): infra/test-all.sh installs slapd and ldap-utils`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ldap = (tool, ldif) => {
    writeFileSync(join(dir, "change.ldif"), ldif);
    execFileSync(tool, ["-x", "-H", url, "-D", ROOT_DN, "-w", ROOT_PASSWORD, "-f", join(dir, "change.ldif")], { stdio: "pipe" });
  };
  ldap("ldapadd", [
    `dn: ${SUFFIX}`, "objectClass: dcObject", "objectClass: organization", "objectClass: domainDNS", "o: Corp", "dc: corp", "lockoutThreshold: 5", "",
    `dn: ${PEOPLE}`, "objectClass: organizationalUnit", "ou: people", "",
    `dn: ${SERVICE_DN}`, "objectClass: person", "cn: svc", "sn: svc", `userPassword: ${SERVICE_PASSWORD}`, "",
  ].join("\n"));
  return {
    /** The body of PUT /api/org/directory for this server. */
    settings: { url, insecure: true, bind_dn: SERVICE_DN, bind_password: SERVICE_PASSWORD, user_base: PEOPLE,
      connect_timeout_ms: 2000, operation_timeout_ms: 2000 },
    /** Adds a user under ou=people; answers its DN. */
    addUser({ uid, email, password, firstName, lastName }) {
      const dn = `uid=${uid},${PEOPLE}`;
      ldap("ldapadd", [
        `dn: ${dn}`, "objectClass: inetOrgPerson", "objectClass: user", `uid: ${uid}`, `cn: ${firstName} ${lastName}`,
        `givenName: ${firstName}`, `sn: ${lastName}`, `mail: ${email}`, "userAccountControl: 512",
        `objectGUID:: ${randomBytes(16).toString("base64")}`, `userPassword: ${password}`, "",
      ].join("\n"));
      return dn;
    },
    /** Replaces one attribute of an entry. */
    set(dn, attr, value) {
      ldap("ldapmodify", `dn: ${dn}\nchangetype: modify\nreplace: ${attr}\n${attr}: ${value}\n`);
    },
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
