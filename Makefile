# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
MANAGE := $(BIN)/python manage.py
export DJANGO_DEBUG ?= true
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker test check-standards setup demo install lock lint format messages bench loadtest loadtest-public mutate mutate-hand clean

# The demo's operator, in every header and footer, unless the environment names another. A
# real site sets its own DJANGO_OWNER_* (docs/settings.md); without them it shows a neutral
# placeholder.
run demo: export DJANGO_OWNER_NAME ?= Göteborgs Stad och Polisen
run demo: export DJANGO_OWNER_URL ?= https://goteborg.se
run demo: export DJANGO_OWNER_ADDRESS ?= Göteborgs Stad, 404 82 Göteborg

# The demo (Hisings Backa, its accounts), the development server and a task worker
# (publishing, email), stopped together by Ctrl-C.
run: demo
	$(MANAGE) demo_accounts
	$(MANAGE) worker --no-reload --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT)

# As production runs it: gunicorn (gunicorn.conf.py) with debug off, and a worker, on the
# data there is (none at first: no demo unless `make demo` loads it). Needs
# DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS; DJANGO_HTTPS=false to try it over plain HTTP.
serve: setup
	DJANGO_DEBUG=false $(MANAGE) worker --no-reload --verbosity 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		DJANGO_DEBUG=false GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn lofte.wsgi

# A task worker alone, for a second terminal or another machine.
worker: install
	$(MANAGE) worker --no-reload

# Connections close after each request, so no live-server thread holds the test database.
# Two pytest-xdist processes (one a core); TEST_PROCESSES=0 runs the suite in one.
TEST_PROCESSES ?= 2
test: setup
	DJANGO_DEBUG=true DJANGO_CONN_MAX_AGE=0 $(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

# The open data against the published standards, offline: the DCAT catalogue against the EU's
# DCAT-AP 3.0.1 SHACL shapes (public/standards/), the API against its OpenAPI description.
# Part of `make test` too.
check-standards: install
	DJANGO_DEBUG=true $(BIN)/pytest -p no:xdist -q tests/test_dcat_shacl.py \
		tests/test_public_opendata.py -k 'shacl or openapi'

# Synthetic data at one promise (S), national scale (L) and big promises (M, XL); prints a
# table, writes bench/results/latest.json and the table into bench/README.md (between the
# markers of the database measured). Uses a database of its own. Not part of `make test`.
bench: install
	$(BIN)/python -m bench.run --into bench/README.md

# Mutation testing of the modules that hold our rules (pyproject's [tool.mutmut], see
# mutation/README.md): each mutant is tested by the tests that run its code, two at a time
# on a copy of one migrated SQLite database. Prints the score and the survivors; not part
# of `make test`. MUTATE_CHILDREN=1 on a busy machine.
MUTATE_CHILDREN ?= 2
mutate: install
	rm -rf mutants
	mkdir mutants
	LOFTE_MUTATION_TEMPLATE_DB=$(CURDIR)/mutants/template.sqlite3 DJANGO_CONN_MAX_AGE=0 \
		$(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) > mutants/run.log 2>&1 \
		|| { tail -c 3000 mutants/run.log; exit 1; }
	tr '\r' '\n' < mutants/run.log | grep -E 'mutations/second|done in' | tail -2
	$(BIN)/python mutation/report.py; status=$$?; \
		$(BIN)/pytest mutation/test_template_mutants.py -q -s -p no:xdist > mutants/templates.log 2>&1; \
		templates=$$?; grep -E 'template mutants|survived: template' mutants/templates.log; \
		exit $$(( status || templates ))

# Hand-made mutants (mutation/hand/*.diff), each against the tests the register of rules
# (docs/rules/) names for its rule: every one must be caught. ONLY=glob picks some by name.
# Those marked `needs: postgresql` want the local PostgreSQL that .ci/run sets up.
ONLY ?= *
mutate-hand: install
	DJANGO_CONN_MAX_AGE=0 $(BIN)/python -m mutation.run_hand --only '$(ONLY)'

# Two gunicorn servers on one PostgreSQL (DATABASE_URL, or the local lofte database that
# .ci/run creates), 100 simulated reporters for 60 s, then a check of the database.
loadtest: install
	$(BIN)/python -m loadtest.run

# The same two servers, 100 anonymous citizens reading the public pages for 60 s.
loadtest-public: install
	$(BIN)/python -m loadtest.run --readers

# Everything the app needs before it serves or is tested, and no data: the steps of a
# production deploy (docs/deploying.md). Safe to run again.
setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_roles
	$(MANAGE) collectstatic --noinput --verbosity 0

# The demo on top: the Hisings Backa promise, its follow-up frozen. Safe to run again.
demo: setup
	$(MANAGE) load_demo --verbosity 0

install: $(INSTALLED)

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --requirement requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

# Re-pins every dependency from pyproject.toml into requirements.lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		print("\n".join(p["dependencies"] + p["optional-dependencies"]["dev"]))' > .lock-venv/wanted.txt
	.lock-venv/bin/python -m pip install --quiet --requirement .lock-venv/wanted.txt
	.lock-venv/bin/python -m pip freeze > requirements.lock
	rm -rf .lock-venv

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refreshes the Swedish catalogue from the code; edit locale/sv/LC_MESSAGES/django.po, then:
messages: install
	$(MANAGE) makemessages --locale sv --no-obsolete --ignore '.venv/*'
	$(MANAGE) compilemessages --locale sv --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
