#!/usr/bin/env bash
# Regenerate examples/README.md from README.tmpl.md with the real output of every command it
# shows: run from the repository root with the package installed (`make walkthrough`).
set -u
cd "$(dirname "$0")/../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export COLUMNS=100 IMPACTGRAPH_STORE="sqlite:///$work/demo.db"
mkdir -p "$work/out"
o="$work/out"
r() { name=$1; shift; { echo "\$ $*"; "$@" 2>&1; echo "[exit $?]"; } > "$o/$name.txt"; }
r validate impactgraph validate examples/estate.yaml
sed -e 's/^  - id: dc-slough$/  - id: dc-london/' \
    -e 's/^    min_up: 2 .*HA admission.*/    min_up: 5/' \
    -e 's/^    mtpd: 8h$/    mtdp: 8h/' \
    -e 's/impact_per_hour: 250000/impact_per_hour: lots/' \
    -e 's/tolerance: 6h}/tolerance: 6 hours}/' \
    examples/estate.yaml > /tmp/estate-broken.yaml
r validate-broken impactgraph validate /tmp/estate-broken.yaml
r load impactgraph load examples/estate.yaml --store "$IMPACTGRAPH_STORE"
r load-broken impactgraph load /tmp/estate-broken.yaml --store "$IMPACTGRAPH_STORE"
r stats impactgraph db stats --store "$IMPACTGRAPH_STORE"
for s in primary-dc-lost power-supplier-failure cloud-region-outage identity-provider-outage ransomware-databases; do
  r impact-$s impactgraph impact --scenario examples/scenarios/$s.yaml
done
r impact-pdc-md impactgraph impact --scenario examples/scenarios/primary-dc-lost.yaml --format markdown
r impact-pdc-json impactgraph impact --scenario examples/scenarios/primary-dc-lost.yaml --format json
r impact-pdc-at2h impactgraph impact --scenario examples/scenarios/primary-dc-lost.yaml --at 2h
r impact-pdc-at2h-json impactgraph impact --scenario examples/scenarios/primary-dc-lost.yaml --at 2h --format json
r explain-ob impactgraph explain --scenario examples/scenarios/primary-dc-lost.yaml -c online-banking
r explain-cbs impactgraph explain --scenario examples/scenarios/primary-dc-lost.yaml -c online-banking --at 2h
r explain-up impactgraph explain --scenario examples/scenarios/primary-dc-lost.yaml -c dc-slough
r deps-up impactgraph deps kafka-events --up
r deps-down impactgraph deps online-banking --down --depth 2
r deps-site impactgraph deps dc-london --up --type located_at
r diagram-spec impactgraph diagram --model examples/spec-example.yaml --fail dc1 --format png -o /tmp/spec-dc1.png
r diagram-kafka impactgraph diagram -c kafka-events --depth 2 --scenario examples/scenarios/primary-dc-lost.yaml --format png -o /tmp/kafka-dc-london.png
r diagram-dot impactgraph diagram --model examples/spec-example.yaml --fail dc1
r spec-json impactgraph impact --model examples/spec-example.yaml --fail dc1 --format json
r spec-3h impactgraph impact --model examples/spec-example.yaml --fail dc1+3h --format json
r check impactgraph check
r recover impactgraph recover --scenario examples/scenarios/primary-dc-lost.yaml --teams 3
r recover-md impactgraph recover --scenario examples/scenarios/primary-dc-lost.yaml --teams 3 --format markdown
r recover-unl impactgraph recover --scenario examples/scenarios/primary-dc-lost.yaml
r recover-spec impactgraph recover --model examples/spec-example.yaml --fail dc1 --format json
sed -i "s#$work/demo.db#demo.db#g" "$o"/*.txt
python examples/walkthrough/fill.py examples/walkthrough/README.tmpl.md examples/README.md "$o"
cp /tmp/spec-dc1.png /tmp/kafka-dc-london.png examples/img/
