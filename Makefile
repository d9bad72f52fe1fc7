# The two commands a newcomer needs: `make run` and `make test`. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

# `make run` serves plain HTTP on localhost, so it turns off only what that needs:
# the HTTPS redirect and Secure-only cookies. Everything else stays production-like.
RUN_ENV = DJANGO_SECRET_KEY="$$(cat $(VENV)/.secret_key)" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false \
	DJANGO_SERVE_MEDIA=true DJANGO_SITE_URL="$${DJANGO_SITE_URL:-http://127.0.0.1:$(PORT)}"

.PHONY: run test lint format bench messages staff-password clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt tests/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@ $(VENV)/.runtime-installed

$(VENV)/.secret_key: | $(BIN)/python
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: $(VENV)/.runtime-installed $(VENV)/.secret_key
	@$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	@$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@$(RUN_ENV) $(BIN)/python manage.py load_demo_content
	@echo
	@$(RUN_ENV) $(BIN)/python manage.py create_demo_staff
	@echo
	@echo "The site is at http://127.0.0.1:$(PORT)/ (press Ctrl-C to stop)."
	@# The Procfile's web server and task worker (the emails), with one Ctrl-C for both.
	@$(RUN_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start --procfile Procfile --port $(PORT)

# The Nu HTML Checker runs in the suite wherever Java (and npm to fetch it) exist.
VNU_JAR := tests/node_modules/vnu-jar/build/dist/vnu.jar
HAVE_JAVA := $(shell command -v java >/dev/null && command -v npm >/dev/null && echo yes)

$(VNU_JAR): tests/package.json tests/package-lock.json
	npm ci --prefix tests --no-audit --no-fund --loglevel=error
	touch $@

test: $(VENV)/.test-installed $(if $(HAVE_JAVA),$(VNU_JAR))
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Spanish catalogue (README "Languages"): collect the marked strings into prolo_site/locale/es/
# LC_MESSAGES/django.po, then compile django.mo (committed, so `make run` needs no gettext).
# Needs GNU gettext (apt-get install gettext); the staff's admin templates stay English.
MESSAGES_IGNORE := --ignore tests --ignore staticfiles --ignore media --ignore backups \
	--ignore 'templates/admin/*' --ignore 'templates/appointments/admin/*'
messages: $(VENV)/.test-installed
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l es --no-obsolete $(MESSAGES_IGNORE)
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages -l es --ignore .venv

# `make bench ONLY=server_speed` (or several, space-separated) runs only those scripts.
bench: $(VENV)/.test-installed
	$(BIN)/python tests/bench/run_all.py $(addprefix --only ,$(ONLY))

staff-password: $(VENV)/.runtime-installed $(VENV)/.secret_key
	@test -n "$(STAFF)" || (echo "Usage: make staff-password STAFF=frontdesk" && exit 2)
	@$(RUN_ENV) $(BIN)/python manage.py changepassword "$(STAFF)"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache tests/screenshots
