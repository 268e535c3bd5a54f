import { tcp } from '@proj/tcp';
import { ws } from '@proj/ws';
import { freePort, selfSignedCert } from '@proj/testing';
import { transportSuite } from './transport-suite.js';

// One certificate, generated now (no key is committed): the server presents it, clients trust it.
const { key, cert } = selfSignedCert('localhost');
const tls = { key, cert, ca: cert };

transportSuite({ name: 'tls', endpoint: async () => tcp({ port: await freePort(), tls }) });
transportSuite({ name: 'wss', endpoint: async () => ws({ port: await freePort(), tls }) });
