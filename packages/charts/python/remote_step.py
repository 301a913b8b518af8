"""Triton Python-backend model that runs one step of a tritonops pipeline on another Triton server.

The pipeline server's ensemble calls this model with the step's input tensors; it sends them to
the step's model over the KServe v2 HTTP protocol (binary tensor data), passes the caller's
`Authorization` and trace context (`traceparent`, `tracestate`) on, enforces the step's timeout,
and answers with the output tensors the pipeline uses - or with an error that names the step.

Configuration comes from the model's config.pbtxt `parameters`, written by tritonops:
`pipeline`, `step`, `endpoint` (http://<model>.<namespace>.svc.cluster.local:8000), `model`
(the Triton model to call) and `timeout_seconds`.

Everything but `TritonPythonModel` is plain Python and numpy, so it is tested without Triton.
"""

import json
import socket
import struct
import urllib.error
import urllib.request

import numpy as np

# KServe v2 datatypes <-> numpy. BYTES tensors are numpy object arrays of bytes.
NUMPY_OF = {
    "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
    "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
    "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
}
FORWARDED_HEADERS = ("authorization", "traceparent", "tracestate")


class StepError(Exception):
    """A failure of the remote call, with a message that names the pipeline step."""


def serialize(array, datatype):
    """Raw bytes of a tensor in the v2 binary format (BYTES: 4-byte little-endian length + data)."""
    if datatype == "BYTES":
        out = bytearray()
        for item in array.reshape(-1):
            data = item if isinstance(item, bytes) else str(item).encode("utf-8")
            out += struct.pack("<I", len(data)) + data
        return bytes(out)
    return np.ascontiguousarray(array, dtype=NUMPY_OF[datatype]).tobytes()


def deserialize(raw, datatype, shape):
    if datatype == "BYTES":
        items, offset = [], 0
        while offset < len(raw):
            (length,) = struct.unpack_from("<I", raw, offset)
            offset += 4
            items.append(bytes(raw[offset:offset + length]))
            offset += length
        return np.array(items, dtype=np.object_).reshape(shape)
    return np.frombuffer(raw, dtype=NUMPY_OF[datatype]).reshape(shape)


def build_request(inputs, outputs):
    """Body and headers of a v2 inference request with binary tensors.

    `inputs` is a list of (name, datatype, numpy array); `outputs` the names wanted back.
    """
    blobs = [serialize(array, datatype) for _, datatype, array in inputs]
    header = {
        "inputs": [
            {"name": name, "datatype": datatype, "shape": list(array.shape), "parameters": {"binary_data_size": len(blob)}}
            for (name, datatype, array), blob in zip(inputs, blobs)
        ],
        "outputs": [{"name": name, "parameters": {"binary_data": True}} for name in outputs],
    }
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(head))}
    return head + b"".join(blobs), headers


def parse_response(body, header_length):
    """Output tensors of a v2 response, by name, binary or JSON."""
    if header_length is None:
        header, rest = json.loads(body), b""
    else:
        header, rest = json.loads(body[:header_length]), body[header_length:]
    tensors, offset = {}, 0
    for out in header.get("outputs", []):
        size = (out.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            tensors[out["name"]] = deserialize(rest[offset:offset + size], out["datatype"], out["shape"])
            offset += size
        else:
            data = out["data"]
            if out["datatype"] == "BYTES":
                data = [d.encode("utf-8") if isinstance(d, str) else d for d in data]
            tensors[out["name"]] = np.array(data, dtype=NUMPY_OF[out["datatype"]]).reshape(out["shape"])
    return tensors


def forwarded_headers(parameters):
    """The caller's headers Triton forwarded as request parameters, to pass on."""
    lowered = {str(k).lower(): v for k, v in (parameters or {}).items()}
    return {name: str(lowered[name]) for name in FORWARDED_HEADERS if name in lowered}


class RemoteStep:
    def __init__(self, pipeline, step, endpoint, model, timeout_seconds, outputs):
        self.pipeline, self.step, self.endpoint, self.model = pipeline, step, endpoint.rstrip("/"), model
        self.timeout = float(timeout_seconds)
        self.outputs = list(outputs)

    def where(self):
        return f'pipeline "{self.pipeline}" step "{self.step}" ({self.model} at {self.endpoint})'

    def infer(self, inputs, caller_parameters=None):
        """Calls the step's model; returns {output name: array} or raises StepError."""
        body, headers = build_request(inputs, self.outputs)
        headers.update(forwarded_headers(caller_parameters))
        url = f"{self.endpoint}/v2/models/{self.model}/infer"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                length = response.headers.get("Inference-Header-Content-Length")
                tensors = parse_response(response.read(), int(length) if length is not None else None)
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("error", detail)
            except ValueError:
                pass
            raise StepError(f"{self.where()} failed: HTTP {e.code}: {detail}") from e
        except (socket.timeout, TimeoutError) as e:
            raise StepError(f"{self.where()} timed out after {self.timeout:g}s") from e
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise StepError(f"{self.where()} timed out after {self.timeout:g}s") from e
            raise StepError(f"{self.where()} is unreachable: {e.reason}") from e
        missing = [name for name in self.outputs if name not in tensors]
        if missing:
            raise StepError(f"{self.where()} returned no {', '.join(missing)}")
        return tensors


class TritonPythonModel:
    """The Triton Python-backend entry point: a thin shell around RemoteStep."""

    def initialize(self, args):
        import triton_python_backend_utils as pb_utils

        self.pb = pb_utils
        config = json.loads(args["model_config"])
        params = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        self.inputs = [(t["name"], pb_utils.triton_string_to_numpy(t["data_type"])) for t in config["input"]]
        self.datatypes = {t["name"]: t["data_type"].replace("TYPE_", "").replace("STRING", "BYTES") for t in config["input"]}
        self.step = RemoteStep(
            params["pipeline"], params["step"], params["endpoint"], params["model"], params["timeout_seconds"],
            [t["name"] for t in config["output"]],
        )

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                inputs = [
                    (name, self.datatypes[name], self.pb.get_input_tensor_by_name(request, name).as_numpy())
                    for name, _ in self.inputs
                ]
                parameters = json.loads(request.parameters() or "{}")
                tensors = self.step.infer(inputs, parameters)
                outputs = [self.pb.Tensor(name, tensors[name]) for name in self.step.outputs]
                responses.append(self.pb.InferenceResponse(output_tensors=outputs))
            except StepError as e:
                responses.append(self.pb.InferenceResponse(error=self.pb.TritonError(str(e))))
        return responses
