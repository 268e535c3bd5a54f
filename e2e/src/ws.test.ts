import { ws } from '@proj/ws';
import { freePort } from '@proj/testing';
import { transportSuite } from './transport-suite.js';

transportSuite({ name: 'ws', endpoint: async () => ws({ port: await freePort() }) });
