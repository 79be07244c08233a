// The test bed by hand: npm run testbed -- up|down|status [component ...]
import { components, defaultComponents, down, parseComponents, status, up } from './bed.js';
import { kubeconfigPath } from './kube.js';
import { logFile } from './proc.js';

const [command, ...rest] = process.argv.slice(2);
const usage = `usage: npm run testbed -- up|down|status [component ...]\ncomponents: ${components.join(', ')} (up without names: ${defaultComponents.join(', ')})`;

try {
  switch (command) {
    case 'up': {
      await up(parseComponents(rest));
      console.log(`test bed up. export KUBECONFIG=${kubeconfigPath}`);
      console.log(`logs: ${logFile('<service>')}`);
      break;
    }
    case 'down':
      // Without names: everything, the node too (`up` starts it only when named).
      await down(rest.length === 0 ? [...components] : parseComponents(rest));
      break;
    case 'status':
      for (const [name, state] of Object.entries(status())) console.log(`${name.padEnd(10)} ${state}`);
      break;
    default:
      console.error(usage);
      process.exitCode = 2;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
