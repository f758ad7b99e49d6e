import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpATTRS;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Vector;

/**
 * Drives JSch (Java's most used SSH library) for test/interop/jsch.test.ts: one connection, then
 * the steps named on the command line, one result line per step on stdout.
 *
 * <p>Arguments: {@code port user known_hosts password:PW|key:PATH [-o name=value]... step...};
 * a step is its words joined by {@code |}, e.g. {@code put|local.bin|remote.bin}.
 */
public final class JschClient {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String user = args[1];
    JSch jsch = new JSch();
    jsch.setKnownHosts(args[2]);
    String auth = args[3];
    if (auth.startsWith("key:")) jsch.addIdentity(auth.substring(4));
    Session session = jsch.getSession(user, "127.0.0.1", port);
    if (auth.startsWith("password:")) session.setPassword(auth.substring(9));
    session.setConfig("StrictHostKeyChecking", "yes");
    session.setConfig("PreferredAuthentications", auth.startsWith("key:") ? "publickey" : "password");
    int i = 4;
    for (; i + 1 < args.length && args[i].equals("-o"); i += 2) {
      String[] kv = args[i + 1].split("=", 2);
      session.setConfig(kv[0], kv[1]);
    }
    session.connect(15000);
    System.out.println("connected " + session.getServerVersion());
    ChannelSftp sftp = null;
    try {
      for (; i < args.length; i++) {
        String[] step = args[i].split("\\|", -1);
        if (step[0].equals("exec")) {
          System.out.println(exec(session, step[1]));
          continue;
        }
        if (sftp == null) {
          sftp = (ChannelSftp) session.openChannel("sftp");
          sftp.connect(15000);
        }
        System.out.println(sftpStep(sftp, step));
      }
    } finally {
      if (sftp != null) sftp.disconnect();
      session.disconnect();
    }
  }

  private static String sftpStep(ChannelSftp sftp, String[] step) throws Exception {
    switch (step[0]) {
      case "put":
        sftp.put(step[1], step[2], ChannelSftp.OVERWRITE);
        return "put " + step[2];
      case "append":
        sftp.put(step[1], step[2], ChannelSftp.APPEND);
        return "appended " + step[2];
      case "resume":
        sftp.put(step[1], step[2], ChannelSftp.RESUME);
        return "resumed " + step[2];
      case "get":
        sftp.get(step[1], step[2]);
        return "got " + step[1];
      case "ls": {
        List<String> names = new ArrayList<>();
        Vector<?> entries = sftp.ls(step[1]);
        for (Object o : entries) names.add(((ChannelSftp.LsEntry) o).getFilename());
        Collections.sort(names);
        return "ls " + String.join(",", names);
      }
      case "stat": {
        SftpATTRS a = sftp.stat(step[1]);
        return "stat " + a.getSize() + " " + Integer.toOctalString(a.getPermissions() & 07777)
            + (a.isDir() ? " dir" : "") + " " + a.getMTime();
      }
      case "lstat":
        return "lstat " + (sftp.lstat(step[1]).isLink() ? "link" : "not-link");
      case "mkdir":
        sftp.mkdir(step[1]);
        return "mkdir " + step[1];
      case "rmdir":
        sftp.rmdir(step[1]);
        return "rmdir " + step[1];
      case "rm":
        sftp.rm(step[1]);
        return "rm " + step[1];
      case "rename":
        sftp.rename(step[1], step[2]);
        return "renamed " + step[2];
      case "chmod":
        sftp.chmod(Integer.parseInt(step[1], 8), step[2]);
        return "chmod " + step[2];
      case "mtime":
        sftp.setMtime(step[2], Integer.parseInt(step[1]));
        return "mtime " + step[2];
      case "symlink":
        sftp.symlink(step[1], step[2]);
        return "symlink " + step[2];
      case "readlink":
        return "readlink " + sftp.readlink(step[1]);
      case "pwd":
        return "pwd " + sftp.pwd();
      case "cd":
        sftp.cd(step[1]);
        return "cd " + sftp.pwd();
      case "fails":
        // The step after "fails" must be refused by the server: prints the SFTP status it gave.
        try {
          sftpStep(sftp, java.util.Arrays.copyOfRange(step, 1, step.length));
          return "did-not-fail";
        } catch (com.jcraft.jsch.SftpException e) {
          return "failed " + e.id;
        }
      default:
        throw new IllegalArgumentException("unknown step " + step[0]);
    }
  }

  private static String exec(Session session, String command) throws Exception {
    ChannelExec channel = (ChannelExec) session.openChannel("exec");
    channel.setCommand(command);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = channel.getInputStream();
    channel.connect(15000);
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
    while (!channel.isClosed()) Thread.sleep(10);
    channel.disconnect();
    return "exec " + channel.getExitStatus() + " " + out.toString("UTF-8").trim();
  }
}
