#!/bin/bash
# Load: N node agents (default 200) bootstrapping at once over HTTPS against one apiserver
# example with kubeadm's auto-approval bindings. Prints bootstraps per second and latency
# percentiles (each agent counts until its Node is registered and Ready), then checks with
# kubectl that every agent got exactly one issued CSR and that every Node is Ready.
# Usage (from the repository root): tests/data/wire/load.sh [N] [debug|release]
# Build first: cargo build --release --example apiserver --example node_agent
set -euo pipefail
N=${1:-200}
PROFILE=${2:-release}
BIN=$PWD/target/$PROFILE/examples
DIR=$(mktemp -d)
cd "$DIR"
echo '02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,"system:bootstrappers"' > token.csv
"$BIN/apiserver" --token-auth-file token.csv --secure-port 0 --write-client-ca ca.crt \
    --write-admin-kubeconfig admin.kubeconfig --auto-approve > out.txt 2> apiserver.log &
APISERVER=$!
trap 'kill $APISERVER 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do [ -s out.txt ] && break; sleep 0.1; done
URL=$(sed 's/^listening on //' out.txt)
cat > bootstrap.conf <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubernetes
  cluster: {server: "$URL", certificate-authority: $DIR/ca.crt}
contexts:
- name: tls-bootstrap
  context: {cluster: kubernetes, user: kubelet-bootstrap}
current-context: tls-bootstrap
users:
- name: kubelet-bootstrap
  user: {token: 02b50b05283e98dd0fd71db496ef01e8}
EOF
ulimit -n 4096 || true
# CPU time as well as wall time: the machine may be shared, and CPU seconds per node are what
# the wire costs whatever else runs.
TIMEFORMAT='node_agent CPU: %U s user, %S s sys'
time timeout 300 "$BIN/node_agent" --agents "$N" --bootstrap-kubeconfig bootstrap.conf \
    --kubeconfig "$DIR/kubeconfig/kubelet.conf" --cert-dir "$DIR/pki" --hostname-override node \
    2> agents.log
TICKS=$(getconf CLK_TCK)
awk -v t="$TICKS" '{printf "apiserver CPU: %.2f s user, %.2f s sys\n", $14 / t, $15 / t}' \
    "/proc/$APISERVER/stat"
export HOME=$DIR
echo "CSRs by condition: $(kubectl --kubeconfig admin.kubeconfig get csr --no-headers | awk '{print $NF}' | sort | uniq -c)"
echo "distinct CSRs: $(kubectl --kubeconfig admin.kubeconfig get csr -o name | sort -u | wc -l)"
echo "nodes Ready: $(kubectl --kubeconfig admin.kubeconfig get nodes --no-headers | awk '$2 == "Ready"' | wc -l)"
