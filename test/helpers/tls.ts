import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cached: { certFile: string; keyFile: string; cert: Buffer } | undefined;

/** A throwaway self-signed certificate for localhost/127.0.0.1, made with openssl. */
export function testCertificate(): { certFile: string; keyFile: string; cert: Buffer } {
  if (cached && existsSync(cached.certFile)) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  cached = { certFile, keyFile, cert: readFileSync(certFile) };
  return cached;
}
