#!/usr/bin/env bash
# make docker-check: builds each image's build stage WITHOUT Docker (there is no engine on the dev and CI machines),
# from exactly what its Dockerfile COPYs, so a file the build needs but the Dockerfile forgot fails here as it would
# in `docker build`. Per Dockerfile (Sentinel.Silo, Sentinel.Web):
#   build stage:   every `COPY src… dest` copies from the repository (without what .dockerignore keeps out: bin/, obj/,
#                  keys, .env files) into an empty WORKDIR; every `RUN` runs there, with /app mapped to a scratch folder;
#   runtime stage: every other `COPY` source must exist in the build context and not be ignored, and the CMD's dll must
#                  be in the published output.
# It also runs the shared entrypoint (compose/docker/sentinel-entrypoint.sh) with `bash -n`. It does not pull base
# images or test the HEALTHCHECK; docs/operations.md says what is and isn't proven.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
set -euo pipefail
cd "$SENTINEL_REPO"

scratch=$(mktemp -d /tmp/sentinel-docker-check.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# Paths .dockerignore keeps out of the context that a COPY could name (its own patterns, simplified to these).
ignored() {
  case $1 in
    keys | keys/* | .env | .env.* | .git | .git/* | .run | .run/* | .data | .data/* | tests | tests/* | bench | bench/*) return 0 ;;
    *.pem | *.key | *.pfx) return 0 ;;
  esac
  return 1
}

# Copy one COPY source into the stage's filesystem the way Docker does: a folder's contents into dest, a file into
# dest (a folder when dest ends in /). Build outputs are left behind, as .dockerignore does.
copy_into() {
  local src=$1 dest=$2 root=$3
  ignored "$src" && die "COPY $src: .dockerignore keeps it out of the build context"
  [[ -e $src ]] || die "COPY $src: no such file in the repository"
  local target="$root/${dest#/}"
  if [[ -d $src ]]; then
    mkdir -p "$target"
    (cd "$src" && tar --exclude='./bin' --exclude='./obj' --exclude='*/bin' --exclude='*/obj' -cf - .) | (cd "$target" && tar -xf -)
  else
    if [[ $dest == */ ]]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")"; fi
    cp "$src" "$target"
  fi
}

check() {
  local dockerfile=$1 name
  name=$(basename "$(dirname "$dockerfile")")
  log "==> $dockerfile"
  local work="$scratch/$name" stage="" line args dest dll=""
  local src_root="$work/src" app="$work/app"
  mkdir -p "$src_root" "$app"
  # One instruction per line: join continuations, drop comments and blank lines.
  while IFS= read -r line; do
    read -ra args <<<"$line"
    case ${args[0]} in
      FROM)
        stage=${args[-1]}
        ;;
      COPY)
        local opts=() sources=()
        for a in "${args[@]:1}"; do
          if [[ $a == --* ]]; then opts+=("$a"); else sources+=("$a"); fi
        done
        dest=${sources[-1]}
        unset 'sources[-1]'
        if [[ " ${opts[*]-} " == *" --from=build "* ]]; then
          continue # the runtime stage takes the published output; checked below through CMD
        fi
        for s in "${sources[@]}"; do
          if [[ $stage == build ]]; then
            copy_into "$s" "$dest" "$src_root"
          else
            ignored "$s" && die "$dockerfile: COPY $s: .dockerignore keeps it out of the build context"
            [[ -e $s ]] || die "$dockerfile: COPY $s: no such file in the repository"
            bash -n "$s" || die "$dockerfile: COPY $s: not valid bash"
          fi
        done
        ;;
      RUN)
        [[ $stage == build ]] || die "$dockerfile: RUN in stage $stage is not checked by this script"
        local command=${line#RUN }
        command=${command//\/app/$app}
        log "    RUN $command"
        (cd "$src_root" && bash -c "$command" >"$work/run.log" 2>&1) || {
          tail -n 30 "$work/run.log" >&2
          die "$dockerfile: RUN failed: $command"
        }
        ;;
      CMD)
        dll=$(grep -o '[A-Za-z.]*\.dll' <<<"$line" || true)
        ;;
    esac
  done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -vE '^\s*(#|$)')
  [[ -n $dll ]] || die "$dockerfile: no CMD naming a dll"
  [[ -f $app/$dll ]] || die "$dockerfile: CMD runs $dll, which the build stage did not publish"
  log "    ok: published $(find "$app" -type f | wc -l) files, $dll among them"
}

bash -n compose/docker/sentinel-entrypoint.sh
for dockerfile in Sentinel.Silo/Dockerfile Sentinel.Web/Dockerfile; do
  check "$dockerfile"
done
log "docker-check: both build stages build from what their Dockerfiles copy"
