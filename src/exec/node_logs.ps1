# kubectl-hostprocess:node-logs/1
# `kubectl hostprocess logs` on a node without NodeLogQuery (run in a throwaway HostProcess pod).
# Prints the log of a service or a file, with --since, --pattern and --tail applied here:
# - a file query (it has / or \): that file;
# - a service: the first file of C:\k\SVC.log, C:\var\log\SVC\SVC.log, C:\var\log\SVC.log,
#   C:\var\log\SVC (the kubelet's own places under C:\var\log); else its events in the event log
#   (Get-WinEvent, provider SVC), one line per event: time (UTC), level, provider[id]: message.
# --since reads the time of klog lines (I0102 15:04:05.000000, local time), logrus lines
# (time="2006-01-02T15:04:05Z") and lines that start with an RFC 3339 time; a line without a
# time goes with the line before it. --pattern is a case-insensitive .NET regular expression,
# applied before --tail. The file read is named on stderr.
# Exit codes: 0 done; 2 no such log (on stderr); 1 any other error (on stderr).
$ArgsJson = '__ARGS__'
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Get-LineTime([string]$line) {
    if ($line -match '^[IWEF](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)') {
        $now = Get-Date
        try {
            $t = New-Object DateTime ($now.Year, [int]$Matches[1], [int]$Matches[2], [int]$Matches[3], [int]$Matches[4], [int]$Matches[5], [DateTimeKind]::Local)
        } catch { return $null }
        if ($t -gt $now.AddDays(1)) { $t = $t.AddYears(-1) }
        return $t.ToUniversalTime()
    }
    $text = $null
    if ($line -match 'time="([^"]+)"') { $text = $Matches[1] }
    elseif ($line -match '^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?)') { $text = $Matches[1] }
    if ($null -eq $text) { return $null }
    $parsed = [DateTimeOffset]::MinValue
    if ([DateTimeOffset]::TryParse($text, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::AssumeUniversal, [ref]$parsed)) {
        return $parsed.UtcDateTime
    }
    return $null
}

# The lines of one chunk that pass --since and --pattern; a line without a time keeps the
# verdict of the line before it ($script:keep).
function Select-Matching($chunk) {
    foreach ($line in $chunk) {
        if ($null -ne $script:since) {
            $t = Get-LineTime $line
            if ($null -ne $t) { $script:keep = ($t -ge $script:since) }
        }
        if ($script:keep -and ($script:pattern -eq '' -or $line -match $script:pattern)) { $line }
    }
}

function Write-FileLog([string]$path) {
    [Console]::Error.WriteLine("source: $path")
    if ($null -eq $script:since -and $script:pattern -eq '') {
        if ($null -ne $script:tail) {
            Get-Content -LiteralPath $path -Encoding UTF8 -Tail $script:tail
        } else {
            Get-Content -LiteralPath $path -Encoding UTF8 -ReadCount 1000 | ForEach-Object { $_ }
        }
        return
    }
    $script:keep = ($null -eq $script:since)
    # Streamed: memory stays at --tail lines whatever the file's size.
    if ($null -ne $script:tail) {
        Get-Content -LiteralPath $path -Encoding UTF8 -ReadCount 1000 | ForEach-Object { Select-Matching $_ } | Select-Object -Last $script:tail
    } else {
        Get-Content -LiteralPath $path -Encoding UTF8 -ReadCount 1000 | ForEach-Object { Select-Matching $_ }
    }
}

function Write-Events([string]$provider) {
    [Console]::Error.WriteLine("source: event log, provider $provider")
    $filter = @{ ProviderName = $provider }
    if ($null -ne $script:since) { $filter['StartTime'] = $script:since.ToLocalTime() }
    if ($script:tail -eq 0) { return }
    # Newest first: --tail keeps the first N that match, printed oldest first.
    $max = @{}
    if ($null -ne $script:tail -and $script:pattern -eq '') { $max['MaxEvents'] = [long]$script:tail }
    $events = Get-WinEvent -FilterHashtable $filter @max -ErrorAction SilentlyContinue
    $selected = @($events | Where-Object { $script:pattern -eq '' -or $_.Message -match $script:pattern })
    if ($null -ne $script:tail) { $selected = @($selected | Select-Object -First $script:tail) }
    [array]::Reverse($selected)
    foreach ($e in $selected) {
        $message = ([string]$e.Message) -replace '\r?\n', ' '
        '{0} {1} {2}[{3}]: {4}' -f $e.TimeCreated.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.fffZ'), $e.LevelDisplayName, $e.ProviderName, $e.Id, $message
    }
}

try {
    # UTF-8 out; a process without a console cannot set it (the handle is invalid): then as it is.
    try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }
    $a = ConvertFrom-Json $ArgsJson
    $query = [string]$a.query
    $script:tail = $null
    if ($null -ne $a.tail) { $script:tail = [int]$a.tail }
    $script:since = $null
    if ($null -ne $a.since) { $script:since = [DateTimeOffset]::FromUnixTimeSeconds([long]$a.since).UtcDateTime }
    $script:pattern = ''
    if ($null -ne $a.pattern) {
        $script:pattern = [string]$a.pattern
        try { [void](New-Object System.Text.RegularExpressions.Regex $script:pattern) }
        catch { [Console]::Error.WriteLine("invalid --pattern: $($_.Exception.InnerException.Message)"); exit 1 }
    }
    if ($query -match '[\\/]') {
        if (-not (Test-Path -LiteralPath $query -PathType Leaf)) {
            [Console]::Error.WriteLine("no such file on this node: $query")
            exit 2
        }
        Write-FileLog $query
        exit 0
    }
    $candidates = @("C:\k\$query.log", "C:\var\log\$query\$query.log", "C:\var\log\$query.log", "C:\var\log\$query")
    foreach ($c in $candidates) {
        if (Test-Path -LiteralPath $c -PathType Leaf) {
            Write-FileLog $c
            exit 0
        }
    }
    if ($null -ne (Get-WinEvent -ListProvider $query -ErrorAction SilentlyContinue)) {
        Write-Events $query
        exit 0
    }
    [Console]::Error.WriteLine("no log of $query on this node: none of $($candidates -join ', ') and no event-log provider $query")
    exit 2
} catch {
    [Console]::Error.WriteLine("error reading the log: $($_.Exception.Message)")
    exit 1
}
