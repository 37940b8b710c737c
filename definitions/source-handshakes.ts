// Resolves a source's handshakes: the preset's by default, or the list the file gives
// (hub-subscribe needs its verify token, read like any secret).
import { PRESET_HANDSHAKES } from './source-presets';
import { type SecretEnv, type SecretRef, resolveSecrets } from './source-secrets';
import type { Handshake, HandshakeType, VerificationScheme } from './source-types';
import type { Problem, YamlFile } from './yaml-file';

export type RawHandshake = HandshakeType | { type: HandshakeType; verifyToken?: SecretRef };

export function resolveHandshakes(
  scheme: VerificationScheme, given: RawHandshake[] | undefined, env: SecretEnv, yaml: YamlFile, file: string, problems: Problem[],
): Handshake[] {
  if (given === undefined) return PRESET_HANDSHAKES[scheme] ?? [];
  const handshakes: Handshake[] = [];
  given.forEach((raw, i) => {
    const h = typeof raw === 'string' ? { type: raw } : raw;
    if (handshakes.some((other) => other.type === h.type)) {
      problems.push(yaml.at(['handshakes', i], `handshake ${h.type} is listed twice`));
    } else if (h.type === 'hub-subscribe') {
      if (!h.verifyToken) {
        problems.push(yaml.at(['handshakes', i], 'hub-subscribe needs a verifyToken', 'write { type: hub-subscribe, verifyToken: { env: NAME } } with the token you entered in the provider\'s dashboard'));
        return;
      }
      const { secrets, problems: found } = resolveSecrets('hmac', [h.verifyToken], env, yaml, file, () => ['handshakes', i, 'verifyToken']);
      problems.push(...found);
      handshakes.push({ type: 'hub-subscribe', verifyTokens: secrets });
    } else {
      if (h.verifyToken) problems.push(yaml.at(['handshakes', i, 'verifyToken'], `"verifyToken" only applies to hub-subscribe`, 'remove the line'));
      handshakes.push({ type: h.type });
    }
  });
  return handshakes;
}
