"""The runtime side: the graph as an ONNX model (export), measured with ONNX Runtime (bench). onnx,
onnxruntime and numpy are imported only in here, by the commands that need them (the `onnx` extra)."""
