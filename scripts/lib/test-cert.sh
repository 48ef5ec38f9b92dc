#!/usr/bin/env bash
# Makes a throwaway certificate authority and a server certificate it signed, for tests of the
# bridge over HTTPS. Nothing here is for production use: the keys are unencrypted and the
# certificates live two days.
#
#   scripts/lib/test-cert.sh DIR [rsa|ec]
#
# Writes, in DIR:
#   ca.pem     the CA's certificate: what a client trusts (NODE_EXTRA_CA_CERTS, a Java trust store)
#   cert.pem   the server's chain: its certificate (localhost, 127.0.0.1, ::1) then the CA's
#   key.pem    the server's private key, PKCS#8 PEM (BEGIN PRIVATE KEY), as --tls-key takes it
#   key-traditional.pem  the same key in the older form (BEGIN RSA/EC PRIVATE KEY), for error tests
set -euo pipefail

dir=${1:?usage: test-cert.sh DIR [rsa|ec]}
kind=${2:-rsa}
case $kind in
  rsa) newkey=(-newkey rsa:2048) ;;
  ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1) ;;
  *) echo "test-cert.sh: key type must be rsa or ec: '$kind'" >&2; exit 2 ;;
esac
command -v openssl >/dev/null || { echo "test-cert.sh: openssl not found (apt-get install -y openssl)" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"

# A config of our own: the machine's openssl.cnf may add extensions (or lack some) of its own.
cat >openssl.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = resilient-redis test
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

openssl req -x509 -config openssl.cnf -extensions ca "${newkey[@]}" -nodes -days 30 \
  -subj "/CN=resilient-redis test CA" -keyout ca-key.pem -out ca.pem 2>/dev/null
openssl req -new -config openssl.cnf "${newkey[@]}" -nodes -subj "/CN=localhost" \
  -keyout key.pem -out server.csr 2>/dev/null
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 \
  -extfile openssl.cnf -extensions server -out server.pem 2>/dev/null
# openssl 3 writes PKCS#8 already; older ones write the traditional form: make sure of PKCS#8.
openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8 && mv key.pk8 key.pem
if openssl pkey -help 2>&1 | grep -q -- '-traditional'; then
  openssl pkey -in key.pem -traditional -out key-traditional.pem
else
  openssl "$kind" -in key.pem -out key-traditional.pem 2>/dev/null
fi
cat server.pem ca.pem >cert.pem
rm -f server.csr ca.srl openssl.cnf
