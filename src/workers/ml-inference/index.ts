import { mlInferenceContract } from '../../core/contracts/service-contracts';
import { runService } from '../../core/host/service-runtime';

/** The ml-inference service. Runs the ONNX models: super-resolution, roof condition and lead score. */
runService({
  name: 'ml-inference',
  contract: mlInferenceContract,
  setup: () => ({}),
});
