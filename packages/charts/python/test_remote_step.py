"""Unit tests of remote_step.py against a fake Triton HTTP server on 127.0.0.1 (run by vitest)."""

import json
import sys
import threading
import time
import types
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np

import remote_step
from remote_step import RemoteStep, StepError, deserialize, serialize


class FakeTriton(BaseHTTPRequestHandler):
    """Answers /v2/models/<m>/infer the way Triton does; behaviour set per test on the server."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        server = self.server
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        head_len = int(self.headers["Inference-Header-Content-Length"])
        header = json.loads(body[:head_len])
        offset, tensors = head_len, {}
        for t in header["inputs"]:
            size = t["parameters"]["binary_data_size"]
            tensors[t["name"]] = deserialize(body[offset:offset + size], t["datatype"], t["shape"])
            offset += size
        server.seen.append({"path": self.path, "headers": dict(self.headers), "header": header, "tensors": tensors})
        if server.delay:
            time.sleep(server.delay)
        if server.fail:
            payload = json.dumps({"error": server.fail}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        # TEXT: one string per request saying how many samples arrived; SCORE: the sum.
        audio = tensors["AUDIO"]
        text = np.array([f"{audio.size} samples".encode()], dtype=np.object_)
        score = np.array([audio.sum()], dtype=np.float32)
        blobs = [serialize(text, "BYTES"), serialize(score, "FP32")]
        out_header = json.dumps({
            "model_name": "whisper",
            "outputs": [
                {"name": "TEXT", "datatype": "BYTES", "shape": [1], "parameters": {"binary_data_size": len(blobs[0])}},
                {"name": "SCORE", "datatype": "FP32", "shape": [1], "parameters": {"binary_data_size": len(blobs[1])}},
            ],
        }).encode()
        payload = out_header + b"".join(blobs)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Inference-Header-Content-Length", str(len(out_header)))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class RemoteStepTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTriton)
        cls.server.daemon_threads = True
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.endpoint = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        self.server.seen, self.server.delay, self.server.fail = [], 0, None
        self.step = RemoteStep("speech-to-image", "transcribe", self.endpoint, "whisper", 5, ["TEXT"])
        self.audio = np.linspace(0, 1, 16, dtype=np.float32)

    def test_sends_a_v2_request_with_binary_tensors_to_the_model(self):
        self.step.infer([("AUDIO", "FP32", self.audio)])
        seen = self.server.seen[0]
        self.assertEqual(seen["path"], "/v2/models/whisper/infer")
        self.assertEqual(seen["headers"]["Content-Type"], "application/octet-stream")
        self.assertEqual(seen["header"]["inputs"], [{"name": "AUDIO", "datatype": "FP32", "shape": [16], "parameters": {"binary_data_size": 64}}])
        self.assertEqual(seen["header"]["outputs"], [{"name": "TEXT", "parameters": {"binary_data": True}}])
        np.testing.assert_array_equal(seen["tensors"]["AUDIO"], self.audio)

    def test_maps_the_outputs_the_pipeline_uses(self):
        tensors = self.step.infer([("AUDIO", "FP32", self.audio)])
        self.assertEqual(tensors["TEXT"].tolist(), [b"16 samples"])
        step = RemoteStep("p", "s", self.endpoint, "whisper", 5, ["TEXT", "SCORE"])
        both = step.infer([("AUDIO", "FP32", self.audio)])
        self.assertAlmostEqual(float(both["SCORE"][0]), float(self.audio.sum()), places=4)

    def test_round_trips_every_datatype(self):
        for datatype, array in [
            ("BYTES", np.array([b"a", b"", "\u00e9".encode()], dtype=np.object_)),
            ("INT64", np.arange(6, dtype=np.int64).reshape(2, 3)),
            ("FP16", np.array([1.5, -2], dtype=np.float16)),
            ("BOOL", np.array([True, False])),
            ("UINT8", np.zeros((2, 2, 3), dtype=np.uint8)),
        ]:
            back = deserialize(serialize(array, datatype), datatype, list(array.shape))
            self.assertEqual(back.tolist(), array.tolist(), datatype)

    def test_passes_the_callers_authorization_and_trace_context_on_and_nothing_else(self):
        self.step.infer([("AUDIO", "FP32", self.audio)], {"Authorization": "Bearer abc", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x-other": "no"})
        headers = {k.lower(): v for k, v in self.server.seen[0]["headers"].items()}
        self.assertEqual(headers["authorization"], "Bearer abc")
        self.assertEqual(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        self.assertNotIn("x-other", headers)

    def test_names_the_step_when_the_model_answers_with_an_error(self):
        self.server.fail = "unexpected shape for input 'AUDIO'"
        with self.assertRaises(StepError) as caught:
            self.step.infer([("AUDIO", "FP32", self.audio)])
        self.assertEqual(
            str(caught.exception),
            f'pipeline "speech-to-image" step "transcribe" (whisper at {self.endpoint}) failed: HTTP 400: unexpected shape for input \'AUDIO\'',
        )

    def test_enforces_the_step_timeout(self):
        self.server.delay = 1.5
        step = RemoteStep("speech-to-image", "transcribe", self.endpoint, "whisper", 0.3, ["TEXT"])
        started = time.monotonic()
        with self.assertRaises(StepError) as caught:
            step.infer([("AUDIO", "FP32", self.audio)])
        self.assertLess(time.monotonic() - started, 1.2)
        self.assertIn('step "transcribe"', str(caught.exception))
        self.assertIn("timed out after 0.3s", str(caught.exception))

    def test_reports_an_unreachable_model(self):
        step = RemoteStep("p", "draw", "http://127.0.0.1:9", "sdxl", 2, ["IMAGE"])
        with self.assertRaises(StepError) as caught:
            step.infer([("AUDIO", "FP32", self.audio)])
        self.assertIn('step "draw" (sdxl at http://127.0.0.1:9) is unreachable', str(caught.exception))


class TritonPythonModelTest(unittest.TestCase):
    """The backend entry point, with a stand-in for triton_python_backend_utils."""

    def setUp(self):
        pb = types.ModuleType("triton_python_backend_utils")

        class Tensor:
            def __init__(self, name, array):
                self.name, self.array = name, array

            def as_numpy(self):
                return self.array

        class InferenceResponse:
            def __init__(self, output_tensors=None, error=None):
                self.output_tensors, self.error = output_tensors, error

        class TritonError:
            def __init__(self, message):
                self.message = message

        pb.Tensor, pb.InferenceResponse, pb.TritonError = Tensor, InferenceResponse, TritonError
        pb.get_input_tensor_by_name = lambda request, name: request.inputs[name]
        pb.triton_string_to_numpy = lambda t: {"TYPE_FP32": np.float32, "TYPE_STRING": np.object_}[t]
        sys.modules["triton_python_backend_utils"] = pb
        self.pb = pb
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTriton)
        self.server.seen, self.server.delay, self.server.fail = [], 0, None
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        config = {
            "input": [{"name": "AUDIO", "data_type": "TYPE_FP32", "dims": [-1]}],
            "output": [{"name": "TEXT", "data_type": "TYPE_STRING", "dims": [1]}],
            "parameters": {
                "pipeline": {"string_value": "speech-to-image"},
                "step": {"string_value": "transcribe"},
                "endpoint": {"string_value": f"http://127.0.0.1:{self.server.server_address[1]}"},
                "model": {"string_value": "whisper"},
                "timeout_seconds": {"string_value": "5"},
            },
        }
        self.model = remote_step.TritonPythonModel()
        self.model.initialize({"model_config": json.dumps(config)})

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        del sys.modules["triton_python_backend_utils"]

    def request(self, parameters):
        return types.SimpleNamespace(inputs={"AUDIO": self.pb.Tensor("AUDIO", np.ones(4, dtype=np.float32))}, parameters=lambda: json.dumps(parameters))

    def test_answers_each_request_with_the_outputs(self):
        [response] = self.model.execute([self.request({"authorization": "Bearer t"})])
        self.assertIsNone(response.error)
        self.assertEqual([t.name for t in response.output_tensors], ["TEXT"])
        self.assertEqual(response.output_tensors[0].array.tolist(), [b"4 samples"])
        self.assertEqual({k.lower(): v for k, v in self.server.seen[0]["headers"].items()}["authorization"], "Bearer t")

    def test_turns_a_failed_step_into_an_error_response_naming_it(self):
        self.server.fail = "model is not ready"
        [response] = self.model.execute([self.request({})])
        self.assertIsNone(response.output_tensors)
        self.assertIn('step "transcribe"', response.error.message)
        self.assertIn("HTTP 400: model is not ready", response.error.message)


if __name__ == "__main__":
    unittest.main()
