# kubectl-hostprocess:cp-get/1
# Sends a file or a directory tree of this node to `kubectl hostprocess cp` on stdout, in the
# stream format of src/transfer/codec.rs (ASCII lines; names and texts base64 of UTF-8; file
# data base64 in 48 KiB pieces; SHA-256 of each file). Windows PowerShell 5.1; no tar, no sh.
$ErrorActionPreference = 'Stop'
$spec = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('__KHP_SPEC__')) | ConvertFrom-Json
$out = [Console]::OpenStandardOutput()
$script:files = 0
$script:bytes = [long]0

function Send-Line([string]$line) {
    $b = [Text.Encoding]::ASCII.GetBytes($line + "`n")
    $out.Write($b, 0, $b.Length)
}

function ConvertTo-B64([string]$s) {
    [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s))
}

function Stop-Copy([string]$kind, [string]$text) {
    Send-Line ('ERR ' + $kind + ' ' + (ConvertTo-B64 $text))
    $out.Flush()
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

function Send-File([string]$full, [string]$rel) {
    $fs = New-Object IO.FileStream($full, [IO.FileMode]::Open, [IO.FileAccess]::Read, ([IO.FileShare]::ReadWrite -bor [IO.FileShare]::Delete), 65536)
    try {
        $sha = [Security.Cryptography.SHA256]::Create()
        Send-Line ('F ' + $fs.Length + ' ' + (ConvertTo-B64 $rel))
        $buf = New-Object byte[] 49152
        $size = [long]0
        while ($true) {
            # A full 48 KiB piece per line (Read may return less before the end).
            $n = 0
            while ($n -lt $buf.Length) {
                $k = $fs.Read($buf, $n, $buf.Length - $n)
                if ($k -le 0) { break }
                $n += $k
            }
            if ($n -eq 0) { break }
            [void]$sha.TransformBlock($buf, 0, $n, $null, 0)
            Send-Line ([Convert]::ToBase64String($buf, 0, $n))
            $size += $n
            if ($n -lt $buf.Length) { break }
        }
        [void]$sha.TransformFinalBlock($buf, 0, 0)
        $hex = ([BitConverter]::ToString($sha.Hash) -replace '-', '').ToLowerInvariant()
        Send-Line ('E ' + $size + ' ' + $hex)
        $script:files++
        $script:bytes += $size
    } finally {
        $fs.Dispose()
    }
}

function Send-Dir([string]$full, [string]$rel) {
    Send-Line ('D ' + (ConvertTo-B64 $rel))
    foreach ($c in (Get-ChildItem -LiteralPath $full -Force | Sort-Object Name)) {
        $childRel = $rel + '/' + $c.Name
        if (($c.Attributes -band [IO.FileAttributes]::ReparsePoint) -and $c.PSIsContainer) {
            Send-Line ('W ' + (ConvertTo-B64 ("skipped " + $c.FullName + ": a junction or symbolic link")))
        } elseif ($c.PSIsContainer) {
            Send-Dir $c.FullName $childRel
        } else {
            Send-File $c.FullName $childRel
        }
    }
}

Send-Line 'KHP-CP/1'
try {
    $path = [string]$spec.path
    if (-not (Test-Path -LiteralPath $path)) {
        Stop-Copy 'notfound' ("Cannot find path '" + $path + "' because it does not exist.")
    }
    $item = Get-Item -LiteralPath $path -Force
    $name = $item.Name
    if ($item.PSIsContainer) {
        if ($item.Parent -eq $null) { $name = $item.FullName.Substring(0, 1) }
        Send-Dir $item.FullName $name
    } else {
        Send-File $item.FullName $name
    }
    Send-Line ('END ' + $script:files + ' ' + $script:bytes)
    $out.Flush()
} catch {
    $inner = Get-Inner $_
    Stop-Copy (Get-Kind $inner) $inner.Message
}
