{
  "targets": [
    {
      "target_name": "sshd_kit_crypto",
      "sources": ["native/packet-crypto.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
