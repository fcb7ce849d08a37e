// A throw-away certificate authority for TLS tests, made with the openssl CLI: a CA, a server certificate for
// 127.0.0.1 and the name `temporal` (the compose service's), and a client certificate for mTLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export function makeCertificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = (name: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file(name)]);

  key('ca.key');
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    file('ca.key'),
    '-subj',
    '/CN=test CA',
    '-days',
    '2',
    '-out',
    file('ca.pem'),
  ]);

  const issue = (name: string, subject: string, extensions: string) => {
    key(`${name}.key`);
    openssl(['req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`)]);
    writeFileSync(file(`${name}.ext`), extensions);
    openssl([
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.pem`),
    ]);
  };
  issue(
    'server',
    '/CN=temporal',
    'subjectAltName=DNS:temporal,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature\n',
  );
  issue('client', '/CN=deployment-coordinator', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
  return {
    dir,
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
  };
}
