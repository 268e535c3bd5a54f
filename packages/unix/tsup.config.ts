import { nodePackage } from '../../tsup.shared.ts';

export default nodePackage();
