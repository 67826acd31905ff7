"""A Django `dumpdata auth.user auth.group` of N users for the import benchmark, written by real
Django (the test venv's, infra/requirements-tools.txt) from a throwaway SQLite database. Hashes are
md5 (the import only checks formats; sign-in cost is not measured here).

    python benches/django_dump.py N OUT.json
"""

import os
import sys
import tempfile

import django
from django.conf import settings

n, out = int(sys.argv[1]), sys.argv[2]
db = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db}},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    USE_TZ=True,
    SECRET_KEY="bench only",
)
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
groups = [Group.objects.create(name=f"Group {i}") for i in range(10)]
users = [
    User(username=f"user{i}", email=f"user{i}@example.com", first_name="Bench", last_name=str(i), password=make_password(f"pw {i}"))
    for i in range(n)
]
User.objects.bulk_create(users, batch_size=1000)
Through = User.groups.through
Through.objects.bulk_create(
    [Through(user_id=u.pk, group_id=groups[u.pk % 10].pk) for u in User.objects.all()], batch_size=1000
)
with open(out, "w", encoding="utf-8") as f:
    call_command("dumpdata", "auth.user", "auth.group", stdout=f, verbosity=0)
