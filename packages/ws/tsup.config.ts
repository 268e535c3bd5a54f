import { nodePackage } from '../../tsup.shared.ts';

// Two entries: the Node transport (on `ws`) and the browser one (on the global WebSocket),
// exported as `@proj/ws` and `@proj/ws/browser`.
export default nodePackage(['src/index.ts', 'src/browser.ts']);
