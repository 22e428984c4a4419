#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# samples/outside/curl_digest/record.sh - records HTTP Digest made outside the
# project: Debian's apache2 (mod_auth_digest, the password file written by
# htdigest) challenges, curl (--digest) answers.  The user is a B-TID, the
# password base64 of a random 32-byte SRK, as the Smartcard Profile has it.
#
# Writes, next to this script: capture.pcapng (dumpcap on loopback),
# capture.keys (the SRK line), expected.json (the exchanges and the Digest
# outcome a decoder with capture.keys must find).  Every run makes a new
# B-TID, SRK and port, so the files change completely; commit all three.
# Apache sends the CGI's answer with Content-Length or, now and then, in
# chunked transfer coding (the committed capture has the chunked one); the
# test reads both.
#
# Needs root (dumpcap on lo, apache2 switching to www-data) and the Debian
# packages apache2 apache2-utils curl tshark (dumpcap) python3:
#   apt-get install -y apache2 apache2-utils curl tshark
# The tests (tests/samples, mode outside) need none of apache2 / dumpcap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in apache2 htdigest curl dumpcap python3; do
  command -v "$tool" >/dev/null || { echo "record.sh: $tool not found" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "record.sh: run as root" >&2; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
apache_started= dumpcap_pid=
cleanup() {
  [[ -n "$dumpcap_pid" ]] && kill "$dumpcap_pid" 2>/dev/null || true
  [[ -n "$apache_started" ]] && apache2 -f "$work/httpd.conf" -k stop 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

realm="3GPP-bootstrapping-uicc@bsm.operator.example"
uri="/keymanagement?requesttype=msk-request"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
btid=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(16)).decode() + "@bsf.mnc001.mcc001.pub.3gppnetwork.org")')
srk=$(python3 -c 'import os; print(os.urandom(32).hex())')
password=$(python3 -c "import base64; print(base64.b64encode(bytes.fromhex('$srk')).decode())")

# the AuthDigestProvider file; htdigest reads the password twice from stdin
# when it has no terminal (setsid)
printf '%s\n%s\n' "$password" "$password" | setsid -w htdigest -c "$work/digest.pw" "$realm" "$btid" >/dev/null 2>"$work/htdigest.log"
want=$(python3 -c "import hashlib, sys; u, r, p = sys.argv[1:]; print('%s:%s:%s' % (u, r, hashlib.md5(('%s:%s:%s' % (u, r, p)).encode()).hexdigest()))" "$btid" "$realm" "$password")
[[ "$(cat "$work/digest.pw")" == "$want" ]] || { echo "record.sh: htdigest wrote something unexpected" >&2; exit 1; }
chmod 644 "$work/digest.pw"

# the BSM's MSK request handler: reads the request, answers 200 with an MSK
# response that delivers no LTKM (they come by UDP push, §5.4.7.2.14)
mkdir "$work/cgi" "$work/htdocs"
cat > "$work/cgi/keymanagement.cgi" <<'CGI'
#!/bin/sh
cat >/dev/null
body='<?xml version="1.0" encoding="UTF-8"?>
<mbmsMSKResponse xmlns="urn:3GPP:metadata:2005:MBMS:mskResponse">
  <Response>
    <MSK>
      <keyDomainID>uHCd</keyDomainID>
      <MSKID>aMkAAA==</MSKID>
    </MSK>
    <ResponseCode>200 OK</ResponseCode>
  </Response>
</mbmsMSKResponse>'
printf 'Content-Type: application/mbms-msk-response+xml\r\nContent-Length: %d\r\n\r\n%s\n' \
  $((${#body} + 1)) "$body"
CGI
chmod 755 "$work/cgi/keymanagement.cgi"

cat > "$work/httpd.conf" <<CONF
ServerRoot /usr/lib/apache2
DefaultRuntimeDir $work
PidFile $work/httpd.pid
ErrorLog $work/error.log
LogLevel info
Listen 127.0.0.1:$port
ServerName bsm.operator.example
User www-data
Group www-data
LoadModule mpm_prefork_module modules/mod_mpm_prefork.so
LoadModule authn_core_module modules/mod_authn_core.so
LoadModule authn_file_module modules/mod_authn_file.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule authz_user_module modules/mod_authz_user.so
LoadModule auth_digest_module modules/mod_auth_digest.so
LoadModule alias_module modules/mod_alias.so
LoadModule cgi_module modules/mod_cgi.so
DocumentRoot $work/htdocs
ScriptAlias /keymanagement $work/cgi/keymanagement.cgi
<Location /keymanagement>
  AuthType Digest
  AuthName "$realm"
  AuthDigestDomain /keymanagement
  AuthDigestProvider file
  AuthUserFile $work/digest.pw
  AuthDigestQop auth
  Require valid-user
</Location>
CONF

# as a daemon in its own session: prefork signals its whole process group
# when it stops
apache2 -f "$work/httpd.conf" -k start
apache_started=1
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done

dumpcap -q -i lo -f "tcp port $port" -w "$work/capture.pcapng" 2>"$work/dumpcap.log" &
dumpcap_pid=$!
for _ in $(seq 50); do
  grep -q "Capturing on" "$work/dumpcap.log" 2>/dev/null && [[ -s "$work/capture.pcapng" ]] && break
  sleep 0.1
done
sleep 0.5

cat > "$work/body.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<mbmsMSKRequest xmlns="urn:3GPP:metadata:2005:MBMS:mskRequest">
  <MSK>
    <keyDomainID>uHCd</keyDomainID>
    <MSKID>aMkAAA==</MSKID>
  </MSK>
</mbmsMSKRequest>
XML
curl -sS --digest -u "$btid:$password" -H 'Content-Type: application/mbms-msk+xml' \
  --data-binary @"$work/body.xml" -o "$work/response.xml" -w '%{http_code}\n' \
  "http://127.0.0.1:$port$uri"

sleep 0.5
kill -INT "$dumpcap_pid"
wait "$dumpcap_pid" || true
dumpcap_pid=
apache2 -f "$work/httpd.conf" -k stop
apache_started=

cp "$work/capture.pcapng" "$here/capture.pcapng"
chmod 644 "$here/capture.pcapng"
cat > "$here/capture.keys" <<KEYS
bcastdec-keys 1
# samples/outside/curl_digest: written by record.sh; example data, protects nothing.
# The Digest password is base64 of this SRK.
SRK $btid $srk
KEYS
python3 - "$here/expected.json" "$btid" "$realm" "$uri" "$port" \
  "$(apache2 -v | sed -n 's/^Server version: //p')" "$(curl --version | head -1 | cut -d' ' -f1-2)" <<'PY'
import json, sys
out, btid, realm, uri, port, server, client = sys.argv[1:]
exp = {
    "kind": "http_digest",
    "recorded_by": "record.sh",
    "server": server + " mod_auth_digest, password file by htdigest",
    "client": client + " --digest",
    "tcp_port": int(port),
    "digest_username": btid,
    "realm": realm,
    "password_form": "base64",
    # what a decoder given capture.keys finds, per request/response pair
    # (findings: the ids at warning level and above)
    "http": [
        {"method": "POST", "uri": uri, "status": 401, "authorization": False,
         "digest": "none", "rspauth": "none", "findings": []},
        {"method": "POST", "uri": uri, "status": 200, "authorization": True,
         "digest": "verified", "rspauth": "verified", "findings": []},
    ],
    # the same with another SRK for the B-TID
    "http_wrong_srk": [
        {"digest": "none", "rspauth": "none", "findings": []},
        {"digest": "failed", "rspauth": "failed",
         "findings": ["digest.failed", "digest.rspauth_failed"]},
    ],
}
with open(out, "w") as f:
    json.dump(exp, f, indent=2)
    f.write("\n")
PY
echo "record.sh: wrote capture.pcapng capture.keys expected.json (port $port, B-TID $btid)"
