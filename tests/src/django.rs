//! Vectors made by real Django (tests/django/make_vectors.py) in the test run, never copied by
//! hand: the test virtual environment's Python (infra/requirements-tools.txt: Django, argon2-cffi,
//! bcrypt) runs the script once per test run (nextest's run id; each test is its own process)
//! into a folder the other tests of the run reuse.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Deserialize)]
pub struct Vector {
    pub hasher: String,
    pub password: String,
    pub encoded: String,
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub pk: u64,
    pub email: String,
    pub outcome: String,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub superuser: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct ExpectFile {
    pub users: Vec<Expected>,
    pub groups: Vec<String>,
}

pub struct DjangoVectors {
    pub dir: PathBuf,
    pub vectors: Vec<Vector>,
    pub expect: ExpectFile,
}

impl DjangoVectors {
    pub fn dump(&self) -> Vec<u8> {
        std::fs::read(self.dir.join("dump.json")).expect("dump.json")
    }
    pub fn dump_path(&self) -> PathBuf {
        self.dir.join("dump.json")
    }
}

/// The test virtual environment's Python: `SECBOARD_PYTHON`, else infra/test-all.sh's venv.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("SECBOARD_PYTHON") {
        return p.into();
    }
    let tools = std::env::var("SECBOARD_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/secboard-tools"));
    tools.join("venv/bin/python")
}

/// Runs the script once per test run and reads what it wrote. Fails (never skips) when the test
/// environment has no Django: infra/test-all.sh installs it.
pub fn vectors() -> DjangoVectors {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("django/make_vectors.py");
    let run = std::env::var("NEXTEST_RUN_ID").unwrap_or_else(|_| std::process::id().to_string());
    let base = std::env::temp_dir().join("secboard-django-vectors");
    let dir = base.join(&run);
    if !dir.join("expect.json").exists() {
        std::fs::create_dir_all(&base).expect("vectors folder");
        let tmp = base.join(format!("{run}.{}.tmp", std::process::id()));
        let out = Command::new(python()).arg(&script).arg(&tmp).output().unwrap_or_else(|e| {
            panic!("running {} with {}: {e}; install the test tools with infra/test-all.sh", script.display(), python().display())
        });
        assert!(
            out.status.success(),
            "Django could not make the vectors (pip install -r infra/requirements-tools.txt into the test venv):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Another test of the run may have won the race: either folder is as good.
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    DjangoVectors {
        vectors: serde_json::from_slice(&read("vectors.json")).expect("vectors.json"),
        expect: serde_json::from_slice(&read("expect.json")).expect("expect.json"),
        dir,
    }
}
