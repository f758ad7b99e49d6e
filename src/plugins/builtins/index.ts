/** The plugins compiled into sshd-kit, installed by every `SshServer` through its plugin host. */
export { sessionPlugin, type SessionPluginDeps } from './session.js';
export { sftpPlugin } from './sftp.js';
export { forwardingPlugin } from './forwarding.js';
