import { tcp } from '@proj/tcp';
import { freePort } from '@proj/testing';
import { transportSuite } from './transport-suite.js';

transportSuite({ name: 'tcp', endpoint: async () => tcp({ port: await freePort() }) });
