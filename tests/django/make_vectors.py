"""Real Django makes the import tests' vectors: a password hash by every hasher Django ships or
shipped, and `dumpdata auth.user auth.group` of a throwaway SQLite database holding users with
them. Run by the tests (tests/src/django.rs) with the test virtual environment's Python
(infra/requirements-tools.txt pins Django 4.2 LTS, the last with every hasher, argon2-cffi and
bcrypt).

    python make_vectors.py OUT_DIR

writes OUT_DIR/vectors.json ([{hasher, password, encoded}]) and OUT_DIR/dump.json (Django's own
dumpdata output) and OUT_DIR/expect.json (what each dumped user is, for the tests' checks).
"""

import json
import os
import sys

import django
from django.conf import settings

out = sys.argv[1]
os.makedirs(out, exist_ok=True)

HASHERS = {
    "pbkdf2_sha256": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "pbkdf2_sha1": "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "bcrypt_sha256": "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "bcrypt": "django.contrib.auth.hashers.BCryptPasswordHasher",
    "scrypt": "django.contrib.auth.hashers.ScryptPasswordHasher",
    "md5": "django.contrib.auth.hashers.MD5PasswordHasher",
    "unsalted_md5": "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "sha1": "django.contrib.auth.hashers.SHA1PasswordHasher",
    "unsalted_sha1": "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
}

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(out, "django.sqlite3")}},
    PASSWORD_HASHERS=list(HASHERS.values()),
    USE_TZ=True,
    SECRET_KEY="vectors only",
)
django.setup()

import warnings  # noqa: E402

warnings.simplefilter("ignore")  # the legacy hashers' deprecation warnings

import argon2  # noqa: E402
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password  # noqa: E402


class Argon2iPasswordHasher(Argon2PasswordHasher):
    """What Django before 3.2 wrote: argon2i (Django's own encode, the old type)."""

    algorithm = "argon2"

    def params(self):
        p = super().params()
        return argon2.Parameters(
            type=argon2.low_level.Type.I,
            version=p.version,
            salt_len=p.salt_len,
            hash_len=p.hash_len,
            time_cost=2,
            memory_cost=512,
            parallelism=2,
        )



from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

call_command("migrate", verbosity=0)

vectors = []
for i, name in enumerate([*HASHERS, "argon2i"]):
    password = f"{name} пароль №{i} secret"
    hasher = Argon2iPasswordHasher() if name == "argon2i" else name
    vectors.append({"hasher": name, "password": password, "encoded": make_password(password, hasher=hasher)})

risk = Group.objects.create(name="Risk Managers")
audit = Group.objects.create(name="Auditors")
Group.objects.create(name="Nobody's group")

expect = []


def user(username, email, password_field, **kw):
    groups = kw.pop("groups", [])
    u = User(username=username, email=email, **kw)
    u.password = password_field
    u.save()
    u.groups.set(groups)
    return u


joined = datetime(2019, 5, 17, 9, 30, tzinfo=timezone.utc)
for i, v in enumerate(vectors):
    u = user(
        f"user{i}",
        f"{v['hasher']}@example.com",
        v["encoded"],
        first_name="Ada",
        last_name=v["hasher"],
        date_joined=joined,
        last_login=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc) if i % 2 else None,
        is_staff=i == 0,
        groups=[risk, audit] if i == 0 else ([risk] if i == 1 else []),
    )
    expect.append({"pk": u.pk, "email": u.email, "password": v["password"], "outcome": "created"})

u = User(username="unusable", email="Unusable@Example.com", first_name="No", last_name="Password", date_joined=joined)
u.set_unusable_password()
u.save()
expect.append({"pk": u.pk, "email": "unusable@example.com", "password": None, "outcome": "created"})

u = user("inactive", "inactive@example.com", make_password("inactive secret", hasher="pbkdf2_sha256"), is_active=False, date_joined=joined)
expect.append({"pk": u.pk, "email": u.email, "password": "inactive secret", "outcome": "created", "active": False})

u = user("root", "root@example.com", make_password("root secret 2019", hasher="pbkdf2_sha256"), is_superuser=True, is_staff=True, date_joined=joined)
expect.append({"pk": u.pk, "email": u.email, "password": "root secret 2019", "outcome": "created", "superuser": True})

u = user("noemail", "", make_password("x", hasher="md5"), date_joined=joined)
expect.append({"pk": u.pk, "email": "", "outcome": "skipped", "reason": "no_email"})

u = user("clash1", "Twin@example.com", make_password("twin one", hasher="md5"), date_joined=joined)
expect.append({"pk": u.pk, "email": "twin@example.com", "outcome": "created", "password": "twin one"})
u = user("clash2", "twin@EXAMPLE.com", make_password("twin two", hasher="md5"), date_joined=joined)
expect.append({"pk": u.pk, "email": "twin@example.com", "outcome": "skipped", "reason": "email_clash"})

u = user("broken", "broken@example.com", "pbkdf2_sha256$notanumber$salt$abc", date_joined=joined)
expect.append({"pk": u.pk, "email": u.email, "outcome": "skipped", "reason": "malformed_password"})

u = user("bademail", "not an email", make_password("x", hasher="md5"), date_joined=joined)
expect.append({"pk": u.pk, "email": "not an email", "outcome": "skipped", "reason": "invalid_email"})

call_command("dumpdata", "auth.user", "auth.group", indent=2, output=os.path.join(out, "dump.json"), verbosity=0)
with open(os.path.join(out, "vectors.json"), "w", encoding="utf-8") as f:
    json.dump(vectors, f, ensure_ascii=False, indent=1)
with open(os.path.join(out, "expect.json"), "w", encoding="utf-8") as f:
    json.dump({"users": expect, "groups": ["Risk Managers", "Auditors", "Nobody's group"]}, f, ensure_ascii=False, indent=1)
