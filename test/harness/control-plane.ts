/** The control plane lives in pkg/envtest so the demo can use it too; tests import it from here. */
export { startControlPlane, type ControlPlane } from '../../pkg/envtest/control-plane.ts';
