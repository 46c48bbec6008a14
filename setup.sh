#!/usr/bin/env bash
# One command to install everything and then start the assistant (`./setup.sh chat`) or run the
# tests (`./setup.sh test`). Idempotent and non-interactive: a second run only checks and starts.
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-chat}"
[ $# -gt 0 ] && shift
case "$mode" in
  chat|test|eval|install) ;;
  *) echo "usage: ./setup.sh [chat|test|eval|install] [extra arguments]" >&2; exit 2 ;;
esac

export HF_HUB_OFFLINE=1              # models come from PyPI packages; never reach for a hub
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Caches stay in the project: pip's wheels, onnxruntime's device id, matplotlib's font list.
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$PWD/.cache/libraries}"
# ... and temporary files (pip's build folders, speech scratch WAVs): nothing lands in /tmp.
export TMPDIR="${TMPDIR:-$PWD/.cache/tmp}"
mkdir -p "$TMPDIR"
VENV="${DEAL_ASSISTANT_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

# 1. System packages: espeak-ng (pyttsx3's voice), PortAudio headers (to build PyAudio),
#    alsa-utils (aplay plays speech), sox (audio checks), a compiler for PyAudio.
apt_packages=(espeak-ng libespeak-ng1 portaudio19-dev alsa-utils sox gcc)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ! "$PYTHON" -c "import venv, ensurepip" 2>/dev/null; then
  missing+=("python3-venv")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo -n"; else
    echo "Need root to install: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Python environment. torch is pinned by constraints.txt to the CPU build (2.13.0): an
#    unpinned torch would pull gigabytes of CUDA packages.
if [ ! -x "$VENV/bin/python" ]; then
  echo "==> Creating the virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.deal-assistant-installed"
wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "==> Installing Python packages (first run takes a few minutes)"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -c constraints.txt "torch==$(sed -n 's/^torch==//p' constraints.txt)"
  "$VENV/bin/pip" install -q -c constraints.txt -e ".[voice,eval,test]"
  echo "$wanted" > "$stamp"
fi

# 3. Bytecode for the package: an editable install leaves none, and where PYTHONDONTWRITEBYTECODE
#    is set Python never writes it, so every command compiled ~40 modules again (~40-60 ms of CPU
#    of a cold `assistant ask`). Only files changed since the last run are compiled.
"$VENV/bin/python" -m compileall -q assistant

# 4. The index (rebuilt only if the corpus or settings changed) and the fast query encoder.
"$VENV/bin/assistant" build --if-stale

case "$mode" in
  chat) exec "$VENV/bin/assistant" chat "$@" ;;
  test)
    "$VENV/bin/python" -m pytest "$@"
    # The answer-quality gates: the shipped suite must meet eval/gate.txt, and the blind test set
    # (looked at in totals only) must not fall below eval/gate-blind.txt.
    mapfile -t gate < <(grep -v '^#' eval/gate.txt)
    "$VENV/bin/assistant" eval --no-progress --report reports/eval.md --json-out reports/eval.json "${gate[@]}"
    mapfile -t blind < <(grep -v '^#' eval/gate-blind.txt)
    exec "$VENV/bin/assistant" eval --suite eval/blind.yaml --no-progress --totals-only \
      --json-out reports/eval-blind.json "${blind[@]}" ;;
  eval) exec "$VENV/bin/assistant" eval "$@" ;;
  install) echo "Installed. Start with: $VENV/bin/assistant chat" ;;
esac
