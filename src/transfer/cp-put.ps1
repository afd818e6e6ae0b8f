# kubectl-hostprocess:cp-put/1
# Receives a file or a directory tree from `kubectl hostprocess cp` on stdin (the stream format
# of src/transfer/codec.rs) and writes it on this node: each file to a temporary name beside its
# place, checked (size, SHA-256), then renamed; answers on stdout. Windows PowerShell 5.1.
$ErrorActionPreference = 'Stop'
$spec = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('__KHP_SPEC__')) | ConvertFrom-Json
$out = [Console]::OpenStandardOutput()
$in = New-Object IO.StreamReader([Console]::OpenStandardInput(), [Text.Encoding]::ASCII, $false, 65536)

function Send-Line([string]$line) {
    $b = [Text.Encoding]::ASCII.GetBytes($line + "`n")
    $out.Write($b, 0, $b.Length)
    $out.Flush()
}

function ConvertTo-B64([string]$s) {
    [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s))
}

function ConvertFrom-B64([string]$s) {
    [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s))
}

function Stop-Copy([string]$kind, [string]$text) {
    Send-Line ('ERR ' + $kind + ' ' + (ConvertTo-B64 $text))
    # Keep reading (and dropping) stdin until the plugin, having read the ERR line, ends the
    # stream: a node that stops reading while the plugin still writes can leave both sides
    # waiting on each other (the exec stream carries stdin and stdout on one connection).
    try { while ($null -ne $in.ReadLine()) { } } catch { }
    exit 1
}

# The .NET exception under PowerShell's wrappers ("Exception calling "Write" …").
function Get-Inner($err) {
    $e = $err.Exception
    while ($e.InnerException -and -not ($e -is [IO.IOException])) { $e = $e.InnerException }
    return $e
}

function Get-Kind($e) {
    $hr = $e.HResult -band 0xFFFF
    if ($hr -eq 0x70 -or $hr -eq 0x27) { return 'nospace' }
    if ($e -is [UnauthorizedAccessException]) { return 'access' }
    if ($e -is [IO.FileNotFoundException] -or $e -is [IO.DirectoryNotFoundException] -or
        $e -is [Management.Automation.ItemNotFoundException]) { return 'notfound' }
    if ($e -is [FormatException]) { return 'corrupt' }
    return 'io'
}

# The local place of a stream path: the root's name is replaced by the target.
function Get-Place([string]$rel) {
    $parts = $rel.Split('/')
    if ($parts[0] -ne $spec.name) { Stop-Copy 'corrupt' ("unexpected path " + $rel) }
    $p = $script:target
    for ($i = 1; $i -lt $parts.Length; $i++) {
        $c = $parts[$i]
        if ($c -eq '' -or $c -eq '.' -or $c -eq '..' -or $c.IndexOfAny([char[]]'\/:') -ge 0) {
            Stop-Copy 'corrupt' ("unexpected path " + $rel)
        }
        $p = [IO.Path]::Combine($p, $c)
    }
    return $p
}

function Receive-File([string]$rel, [string]$place) {
    if (Test-Path -LiteralPath $place -PathType Container) { Stop-Copy 'conflict' ($place + ' is a directory') }
    # .NET paths throughout: no PowerShell wildcard ([ ]) or provider rules apply to names.
    $tmp = [IO.Path]::Combine([IO.Path]::GetDirectoryName($place), '.' + [IO.Path]::GetFileName($place) + '.khp-partial')
    $fs = New-Object IO.FileStream($tmp, [IO.FileMode]::Create, [IO.FileAccess]::Write, [IO.FileShare]::None, 262144)
    $ok = $false
    try {
        $sha = [Security.Cryptography.SHA256]::Create()
        $size = [long]0
        while ($true) {
            $line = $in.ReadLine()
            if ($line -eq $null) { exit 1 }
            if ($line.StartsWith('E ')) { break }
            $data = [Convert]::FromBase64String($line)
            [void]$sha.TransformBlock($data, 0, $data.Length, $null, 0)
            $fs.Write($data, 0, $data.Length)
            $size += $data.Length
        }
        $fs.Flush()
        $fs.Dispose()
        [void]$sha.TransformFinalBlock((New-Object byte[] 0), 0, 0)
        $hex = ([BitConverter]::ToString($sha.Hash) -replace '-', '').ToLowerInvariant()
        $want = $line.Split(' ')
        if ([long]$want[1] -ne $size -or $want[2] -ne $hex) {
            Stop-Copy 'corrupt' ($place + ': received ' + $size + ' bytes with SHA-256 ' + $hex + ', expected ' + $want[1] + ' bytes with SHA-256 ' + $want[2])
        }
        if (Test-Path -LiteralPath $place) { [IO.File]::Delete($place) }
        [IO.File]::Move($tmp, $place)
        $ok = $true
        Send-Line ('OK ' + $size + ' ' + $hex)
        return $size
    } finally {
        $fs.Dispose()
        if (-not $ok) { Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue }
    }
}

Send-Line 'KHP-CP/1'
try {
    # Like cp: into an existing directory under the source's name, onto an existing file, or
    # as the destination itself (its parent must exist).
    $dest = [string]$spec.path
    if (Test-Path -LiteralPath $dest -PathType Container) {
        $script:target = [IO.Path]::Combine($dest, $spec.name)
    } elseif (Test-Path -LiteralPath $dest -PathType Leaf) {
        if ($spec.dir) { Stop-Copy 'conflict' ('cannot copy a directory onto the file ' + $dest) }
        $script:target = $dest
    } elseif ($dest.EndsWith('\') -or $dest.EndsWith('/')) {
        Stop-Copy 'notfound' ("Could not find a part of the path '" + $dest + "'.")
    } else {
        $parent = [IO.Path]::GetDirectoryName($dest)
        if (-not (Test-Path -LiteralPath $parent -PathType Container)) {
            Stop-Copy 'notfound' ("Could not find a part of the path '" + $dest + "'.")
        }
        $script:target = $dest
    }
    if ($spec.dir -and (Test-Path -LiteralPath $script:target -PathType Leaf)) {
        Stop-Copy 'conflict' ('cannot copy a directory onto the file ' + $script:target)
    }
    Send-Line ('READY ' + (ConvertTo-B64 $script:target))
    $files = 0
    $bytes = [long]0
    while ($true) {
        $line = $in.ReadLine()
        if ($line -eq $null) { exit 1 }
        $f = $line.Split(' ')
        if ($f[0] -eq 'D') {
            $place = Get-Place (ConvertFrom-B64 $f[1])
            if (-not (Test-Path -LiteralPath $place -PathType Container)) { [void][IO.Directory]::CreateDirectory($place) }
        } elseif ($f[0] -eq 'F') {
            $place = Get-Place (ConvertFrom-B64 $f[2])
            $bytes += Receive-File $f[2] $place
            $files++
        } elseif ($f[0] -eq 'END') {
            Send-Line ('END ' + $files + ' ' + $bytes)
            exit 0
        } else {
            Stop-Copy 'corrupt' 'unexpected line'
        }
    }
} catch {
    $inner = Get-Inner $_
    Stop-Copy (Get-Kind $inner) $inner.Message
}
