// The worker's GitHub credentials: a token (DEPLOY_GITHUB_TOKEN) or a GitHub App (DEPLOY_GITHUB_APP_ID and its
// private key), read from the worker's environment only and checked at start-up.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/deploy-config';
import { quoted } from '../contract/names';

export type GitHubCredentials = { kind: 'token'; token: string } | { kind: 'app'; appId: string; privateKey: string };

/** The worker's GitHub credentials, or undefined without any; throws ConfigError naming a bad variable. */
export function githubCredentials(env: NodeJS.ProcessEnv = process.env): GitHubCredentials | undefined {
  const token = env.DEPLOY_GITHUB_TOKEN?.trim();
  const appId = env.DEPLOY_GITHUB_APP_ID?.trim();
  const keyText = env.DEPLOY_GITHUB_APP_PRIVATE_KEY;
  const keyPath = env.DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH?.trim();
  if (!appId) {
    if (keyText || keyPath) {
      throw new ConfigError('DEPLOY_GITHUB_APP_PRIVATE_KEY(_PATH) is set without DEPLOY_GITHUB_APP_ID');
    }
    return token ? { kind: 'token', token } : undefined;
  }
  if (token) throw new ConfigError('set DEPLOY_GITHUB_TOKEN or DEPLOY_GITHUB_APP_ID, not both');
  if (!/^\d{1,20}$/.test(appId)) throw new ConfigError(`DEPLOY_GITHUB_APP_ID ${quoted(appId)} is not an App ID`);
  if (keyText && keyPath) {
    throw new ConfigError('set DEPLOY_GITHUB_APP_PRIVATE_KEY or DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH, not both');
  }
  let privateKey: string;
  if (keyPath) {
    try {
      privateKey = readFileSync(keyPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH ${quoted(keyPath)}: cannot read it (${code})`);
    }
  } else if (keyText) {
    // (Some secret stores keep a PEM on one line, with its line breaks written as \n.)
    privateKey = keyText.includes('\\n') && !keyText.includes('\n') ? keyText.replace(/\\n/g, '\n') : keyText;
  } else {
    throw new ConfigError('DEPLOY_GITHUB_APP_ID needs DEPLOY_GITHUB_APP_PRIVATE_KEY or ..._PRIVATE_KEY_PATH');
  }
  try {
    createPrivateKey(privateKey);
  } catch {
    // (The key itself is never part of a message.)
    const where = keyPath ? `DEPLOY_GITHUB_APP_PRIVATE_KEY_PATH ${quoted(keyPath)}` : 'DEPLOY_GITHUB_APP_PRIVATE_KEY';
    throw new ConfigError(`${where}: not a PEM private key (the App's, from its settings page)`);
  }
  return { kind: 'app', appId, privateKey };
}
