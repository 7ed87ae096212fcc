#!/bin/sh
# Runs once, on an empty data volume: for every key of the Secret stampede-db but "postgres"
# (the superuser's), a login role of that name with that password and its database
# stampede_<context>, owned by the role and closed to every other role. A context added later
# gets its database from `stampede migrate` if its role may create it, or by hand:
#   kubectl exec -it postgres-0 -- psql -U postgres -c 'CREATE ROLE ...'
set -eu
for file in /run/secrets/stampede-db/*; do
  context=$(basename "$file")
  [ "$context" = postgres ] && continue
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$context" -v password="$(cat "$file")" -v db="stampede_$context" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
done
