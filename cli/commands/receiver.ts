// hookflow receiver: a local endpoint for a destination's developers (and the tests) that
// verifies what hookflow sends and shows it.
import { UsageError, parseArgs, stringOption } from '../args';
import type { Command } from '../command';
import { type ReceiverScheme, startReceiver } from '../receiver';

export const receiverCommand: Command = {
  name: 'receiver',
  summary: 'run a local endpoint that verifies hookflow\'s outbound webhook signatures and shows what arrived',
  usage: `hookflow receiver [--port 4000] [--host 127.0.0.1] [--scheme standard-webhooks|hookflow-hmac]
                 [--secret SECRET]... [--status 200]

Listens on http://HOST:PORT (any path) and verifies each POST with the destination's secrets:
--secret (repeat it for a rotation) or HOOKFLOW_RECEIVER_SECRETS (comma-separated); Standard
Webhooks secrets look like whsec_<base64>. Prints one line per delivery (id, type, version, verified
or why not) and its body; GET / lists the last 200 as JSON. A verified delivery gets --status (try
500 to watch hookflow retry, pause and disable the destination); a refused one gets 401.
Ctrl-C stops it. Exit: 0 stopped, 2 usage.`,
  async run(args) {
    const secretArgs: string[] = [];
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--secret' && i + 1 < args.length) secretArgs.push(args[++i]);
      else if (args[i].startsWith('--secret=')) secretArgs.push(args[i].slice(9));
      else rest.push(args[i]);
    }
    const parsed = parseArgs(rest);
    if (parsed.positional.length) throw new UsageError(this.usage);
    const scheme = (stringOption(parsed, 'scheme') ?? 'standard-webhooks') as ReceiverScheme;
    if (scheme !== 'standard-webhooks' && scheme !== 'hookflow-hmac') throw new UsageError('--scheme must be standard-webhooks or hookflow-hmac');
    const secrets = secretArgs.length ? secretArgs : (process.env.HOOKFLOW_RECEIVER_SECRETS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!secrets.length) throw new UsageError('give the destination\'s secret: --secret SECRET or HOOKFLOW_RECEIVER_SECRETS');
    const port = Number(stringOption(parsed, 'port') ?? 4000);
    const status = Number(stringOption(parsed, 'status') ?? 200);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new UsageError('--status must be an HTTP status (200-599)');
    const receiver = await startReceiver({
      host: stringOption(parsed, 'host') ?? '127.0.0.1', port, scheme, secrets, status,
      onArrival(a) {
        const body = a.body as { type?: string; version?: string } | undefined;
        console.log(`${a.at} ${a.path} ${a.id ?? '-'} ${body?.type ?? '?'}${body?.version ? ` v${body.version}` : ''} ${a.verified ? 'verified' : `REFUSED: ${a.refused}`}`);
        console.log(`  ${JSON.stringify(a.body)}`);
      },
    });
    console.log(`hookflow receiver listening on ${receiver.url} (${scheme}, ${secrets.length} secret(s)); GET ${receiver.url}/ lists what arrived`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    await receiver.close();
    return 0;
  },
};
