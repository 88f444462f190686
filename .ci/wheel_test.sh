#!/usr/bin/env bash
# The package as a learner gets it: build the wheel, install it (not the checkout) into a
# fresh virtual environment outside the repository, and run the commands from there:
# demo, exercises, check on an untouched stub (must fail, exit 1) and on a correct solution
# (must pass, exit 0), and grade on a one-student class. Needs .venv (bash setup.sh) for pip and setuptools; the only network
# it uses is the package registry, for NumPy, graphviz and tqdm.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
unset PYTHONPATH VIRTUAL_ENV
work=$(mktemp -d "${TMPDIR:-/tmp}/tinygrad_edu_wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "wheel test: $*" >&2; exit 1; }

# 1. the wheel, built offline with the setuptools already in .venv, from a copy of the
#    checkout (setuptools writes build/ and *.egg-info/ beside the sources)
mkdir "$work/src"
tar --exclude=./.venv --exclude=./.git --exclude=./build --exclude='*.egg-info' -cf - . \
    | tar -xf - -C "$work/src"
(cd "$work/src" && "$repo/.venv/bin/python" -m pip wheel --quiet --no-deps \
    --no-build-isolation . -w "$work/dist") || fail "building the wheel failed"
wheel=$(ls "$work"/dist/tinygrad_edu-*.whl)
unzip -l "$wheel" | grep -q "tinygrad_edu/exercise_stubs/01_sigmoid_derivative.py" \
    || fail "the wheel lacks the exercises' stubs"

# 2. a fresh environment outside the repository, with the wheel and its dependencies only
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel" || fail "installing the wheel failed"
cd "$work"
where=$("$work/venv/bin/python" -c "import tinygrad_edu, os; print(os.path.dirname(tinygrad_edu.__file__))")
case "$where" in
    "$work"/venv/*) ;;
    *) fail "tinygrad_edu was imported from $where, not from the installed wheel" ;;
esac
cmd="$work/venv/bin/tinygrad-edu"

# 3. the commands, run from outside the repository
"$cmd" demo --epochs 200 --out "$work/demo" >"$work/demo.log" 2>&1 || fail "demo failed"
"$cmd" exercises "$work/exercises" | tee "$work/exercises.log"
[ -f "$work/exercises/01_sigmoid_derivative.py" ] || fail "exercises copied no stub"
set +e
"$cmd" check "$work/exercises/01_sigmoid_derivative.py" >"$work/stub.log"
stub=$?
cp "$repo/tests/exercise_solutions/01_sigmoid_derivative.py" "$work/solution.py"
"$cmd" check "$work/solution.py" >"$work/solution.log"
solution=$?
set -e
[ "$stub" = 1 ] && grep -q "not implemented yet" "$work/stub.log" \
    || fail "check of the stub: exit $stub, expected 1 with 'not implemented yet'"
[ "$solution" = 0 ] && grep -q "3/3 cases pass" "$work/solution.log" \
    || fail "check of the solution: exit $solution, expected 0"
mkdir -p "$work/class/ada"
cp "$work/solution.py" "$work/class/ada/01_sigmoid_derivative.py"
"$cmd" grade "$work/class" --out "$work/grades.csv" 2>/dev/null | tail -1
tr -d "\r" <"$work/grades.csv" | grep -q "^ada,01_sigmoid_derivative,3,3,$" || fail "grade: a wrong CSV"
echo "wheel test: $(basename "$wheel") installed outside the repository; demo, exercises, check, grade pass"
