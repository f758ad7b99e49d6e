<?php
/*
 * Drives phpseclib (the pure-PHP SSH library behind Laravel's and many a PHP app's SFTP) for
 * test/interop/phpseclib.test.ts: one connection, then the steps named on the command line, one
 * result line per step on stdout. Works with phpseclib 3 and the still common 2.
 *
 * Arguments: 2|3 port user host_key_file password:PW|key:PATH [-o kex|hostkey|crypt|mac|comp=LIST]... step...
 * A step is its words joined by '|', e.g. "put|local.bin|remote.bin".
 */

[$script, $major, $port, $user, $hostKeyFile, $auth] = array_slice($argv, 0, 6);
if ($major === '3') {
    require '/usr/share/php/phpseclib3/autoload.php';
    $sftpClass = '\phpseclib3\Net\SFTP';
} else {
    require '/usr/share/php/phpseclib/autoload.php';
    $sftpClass = '\phpseclib\Net\SFTP';
}

function fail(string $why): void
{
    fwrite(STDERR, "$why\n");
    exit(1);
}

$sftp = new $sftpClass('127.0.0.1', (int) $port, 15);
$i = 6;
$preferred = [];
for (; $i + 1 < $argc && $argv[$i] === '-o'; $i += 2) {
    [$kind, $list] = explode('=', $argv[$i + 1], 2);
    $names = explode(',', $list);
    if ($kind === 'kex' || $kind === 'hostkey') {
        $preferred[$kind] = $names;
    } else {
        $preferred['client_to_server'][$kind] = $names;
        $preferred['server_to_client'][$kind] = $names;
    }
}
if ($preferred) {
    $sftp->setPreferredAlgorithms($preferred);
}

// The host key must be one we were given (compared by its blob: phpseclib 2 names an RSA key by
// the signature algorithm it negotiated).
$shown = explode(' ', (string) $sftp->getServerPublicHostKey());
$known = array_map(fn ($line) => explode(' ', trim($line))[1] ?? '', file($hostKeyFile));
if (count($shown) < 2 || !in_array($shown[1], $known, true)) {
    fail('host key not known: ' . implode(' ', $shown));
}

if (str_starts_with($auth, 'key:')) {
    $major === '3' || fail('this driver logs in with keys through phpseclib 3 only');
    $credential = \phpseclib3\Crypt\PublicKeyLoader::load(file_get_contents(substr($auth, 4)));
} else {
    $credential = substr($auth, 9);
}
if (!$sftp->login($user, $credential)) {
    fail('authentication failed');
}
$negotiated = $sftp->getAlgorithmsNegotiated();
echo "connected {$negotiated['kex']} {$negotiated['hostkey']} {$negotiated['server_to_client']['crypt']}\n";

for (; $i < $argc; $i++) {
    $w = explode('|', $argv[$i]);
    switch ($w[0]) {
        case 'put':
            $sftp->put($w[2], $w[1], $sftpClass::SOURCE_LOCAL_FILE) || fail("put: {$sftp->getLastSFTPError()}");
            echo "put {$w[2]}\n";
            break;
        case 'resume':
            $sftp->put($w[2], $w[1], $sftpClass::SOURCE_LOCAL_FILE | $sftpClass::RESUME) || fail('resume');
            echo "resumed {$w[2]}\n";
            break;
        case 'putstring':
            $sftp->put($w[2], $w[1]) || fail('putstring');
            echo "put {$w[2]}\n";
            break;
        case 'get':
            $sftp->get($w[1], $w[2]) !== false || fail("get: {$sftp->getLastSFTPError()}");
            echo "got {$w[1]}\n";
            break;
        case 'ls':
            $names = $sftp->nlist($w[1]);
            $names === false && fail('ls');
            sort($names);
            echo 'ls ' . implode(',', $names) . "\n";
            break;
        case 'stat':
            $st = $sftp->stat($w[1]);
            $st === false && fail('stat');
            printf("stat %d %o %d\n", $st['size'], ($st['mode'] ?? $st['permissions']) & 07777, $st['mtime']);
            break;
        case 'islink':
            echo 'islink ' . ($sftp->is_link($w[1]) ? 'yes' : 'no') . "\n";
            break;
        case 'mkdir':
            $sftp->mkdir($w[1]) || fail('mkdir');
            echo "mkdir {$w[1]}\n";
            break;
        case 'rmdir':
            echo $sftp->rmdir($w[1]) ? "rmdir {$w[1]}\n" : "rmdir refused\n";
            break;
        case 'rm':
            echo $sftp->delete($w[1], false) ? "rm {$w[1]}\n" : "rm refused\n";
            break;
        case 'rename':
            $sftp->rename($w[1], $w[2]) || fail('rename');
            echo "renamed {$w[2]}\n";
            break;
        case 'chmod':
            $sftp->chmod(octdec($w[1]), $w[2]) !== false || fail('chmod');
            echo "chmod {$w[2]}\n";
            break;
        case 'touch':
            $sftp->touch($w[2], (int) $w[1], (int) $w[1]) || fail('touch');
            echo "touch {$w[2]}\n";
            break;
        case 'symlink':
            $sftp->symlink($w[1], $w[2]) || fail('symlink');
            echo "symlink {$w[2]}\n";
            break;
        case 'readlink':
            echo 'readlink ' . $sftp->readlink($w[1]) . "\n";
            break;
        case 'pwd':
            echo 'pwd ' . $sftp->pwd() . "\n";
            break;
        case 'exec':
            $out = $sftp->exec($w[1]);
            echo $out === false ? "exec refused\n" : 'exec ' . (int) $sftp->getExitStatus() . ' ' . trim($out) . "\n";
            break;
        default:
            fail("unknown step {$w[0]}");
    }
}
$sftp->disconnect();
