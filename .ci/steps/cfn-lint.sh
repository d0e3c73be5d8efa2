#!/usr/bin/env bash
# Synthesizes the tenant stacks (example, and the kinesis/gzip/external-issuer test fixture)
# and lints the templates with cfn-lint; fails on cfn-lint errors, not on warnings.
# cfn-lint comes from PyPI and Debian has no package; where it is missing, say so and pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint: not installed on this machine; skipping the template lint"
  exit 0
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for tenant in example test/infra/fixtures/kinesis-tenant.ts; do
  dir="$out/$(basename "$tenant" .ts)"
  npx cdk synth -q -c tenant="$tenant" -o "$dir"
done
echo "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}') over: $(ls "$out"/*/*.template.json | xargs -n1 basename | tr '\n' ' ')"
cfn-lint --non-zero-exit-code error -- "$out"/*/*.template.json
