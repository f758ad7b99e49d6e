{
  "targets": [
    {
      "target_name": "sshd_kit_native",
      "sources": ["native/addon.c", "native/packet-crypto.c", "native/hmac-sha256-x2.c", "native/page-cache-read.c", "native/process-spawn.c", "native/pty-io.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
