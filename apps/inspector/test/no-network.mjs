// Preloaded into a CLI under test: any attempt to use the network fails loudly, so a run that
// succeeds has proven it needed none.
import dns from 'node:dns';
import net from 'node:net';

const refuse = () => {
  throw new Error('network access attempted while offline');
};
net.Socket.prototype.connect = refuse;
net.connect = refuse;
net.createConnection = refuse;
dns.lookup = refuse;
globalThis.fetch = refuse;
