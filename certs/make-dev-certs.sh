#!/bin/sh
# Make a development CA and a server certificate for localhost, 127.0.0.1
# and ::1 (ECDSA P-256).  Usage: make-dev-certs.sh [DIR]
# Writes DIR/ca.pem, DIR/ca.key, DIR/server.pem, DIR/server.key.
# Private keys are mode 0600 and never committed (see .gitignore).
set -e
dir=${1:-.}
days=${CAIRN_CERT_DAYS:-825}
mkdir -p "$dir"
cd "$dir"
umask 077
openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
openssl req -x509 -new -key ca.key -sha256 -days "$days" \
	-subj "/CN=cairn development CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server.key 2>/dev/null
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
	-CAcreateserial -days "$days" -sha256 -extfile server.ext \
	-out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 0644 ca.pem server.pem
echo "certificates in $(pwd): ca.pem (give to clients), server.pem, server.key"
