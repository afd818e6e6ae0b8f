# kubectl-hostprocess:collector/1
# Node-side evidence for `kubectl hostprocess collect` (Windows PowerShell 5.1; nothing is
# downloaded). Each item runs in its own runspace with its own time limit; a failed or timed-out
# item is recorded with its error and the run goes on. Secrets are redacted (the rules of
# src/bundle/redact.rs) before anything is printed. Output (src/bundle/frame.rs): per item
# '@@HP-ITEM <json>', the content in base64 lines, '@@HP-END'; at the end '@@HP-DONE <json>'.
$ErrorActionPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
$TailLines = 2000 # option:log_tail_lines
$EventHours = 24 # option:event_hours
$ItemTimeoutSecs = 30 # option:item_timeout_secs
$MaxItemBytes = 8388608
$MaxEvents = 500
$MaxCniFiles = 20
$Parallel = 4
$Marker = '[REDACTED]'
$RedactRules = @(
  @{ n = 'pem-private-key'; p = '(?s)(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(.*?)(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)' }
  @{ n = 'authorization-header'; p = '(?i)(authorization\\?["'']?\s*[:=]\s*\\?["'']?(?:(?:basic|bearer|digest|negotiate|ntlm|token)\s+)?)([^\s"'',;\\]+)()' }
  @{ n = 'bearer-token'; p = '(?i)(bearer\s+)([A-Za-z0-9._~+/=-]{16,})()' }
  @{ n = 'credential-key-dq'; p = '(?i)((?:^|[\s{,;(\[])\\?["'']?(?:token|id[-_]?token|refresh[-_]?token|access[-_]?token|bearer[-_]?token|identity[-_]?token|client[-_]?key[-_]?data|client[-_]?certificate[-_]?data|client[-_]?secret|password|passwd|auth|secret)\\?["'']?\s*[:=]\s*\\?")([^"\\\r\n]*)(\\?")' }
  @{ n = 'credential-key-sq'; p = '(?i)((?:^|[\s{,;(\[])\\?["'']?(?:token|id[-_]?token|refresh[-_]?token|access[-_]?token|bearer[-_]?token|identity[-_]?token|client[-_]?key[-_]?data|client[-_]?certificate[-_]?data|client[-_]?secret|password|passwd|auth|secret)\\?["'']?\s*[:=]\s*'')([^''\r\n]*)('')' }
  @{ n = 'credential-key'; p = '(?i)((?:^|[\s{,;(\[])\\?["'']?(?:token|id[-_]?token|refresh[-_]?token|access[-_]?token|bearer[-_]?token|identity[-_]?token|client[-_]?key[-_]?data|client[-_]?certificate[-_]?data|client[-_]?secret|password|passwd|auth|secret)\\?["'']?\s*[:=]\s*)([^\s"'',}\\]*)()' }
  @{ n = 'secret-flag'; p = '(?i)((?:^|[\s"''])--?[A-Za-z0-9_-]*(?:token|password|passwd|secret|key)[=:]["'']*)([^\s"'']+)()' }
  @{ n = 'secret-flag-word'; p = '(?i)((?:^|[\s"''])--?[A-Za-z0-9_-]*(?:token|password|passwd|secret|key)["'']?,?\s+["'']*)([^\s"''\-\[][^\s"'']*)()' }
  @{ n = 'secure-string'; p = '(?i)(ConvertTo-SecureString\s+(?:-String\s+)?["''])([^"'']+)()' }
  @{ n = 'url-userinfo'; p = '([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)' }
  @{ n = 'jwt'; p = '()(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)()' }
)

$HnsBody = {
  if (-not (Get-Command Get-HnsNetwork -ErrorAction SilentlyContinue)) {
    foreach ($m in @('HostNetworkingService', 'C:\k\hns.psm1', 'C:\k\hns.v2.psm1')) {
      try { Import-Module $m -DisableNameChecking -ErrorAction Stop 3>$null; break } catch { }
    }
  }
  if (-not (Get-Command Get-HnsNetwork -ErrorAction SilentlyContinue)) {
    throw 'Get-HnsNetwork is not available (no HostNetworkingService module, no C:\k\hns.psm1)'
  }
  $x = @(if ($Kind -eq 'Network') { Get-HnsNetwork } else { Get-HnsEndpoint })
  if ($x.Count -eq 0) { '[]' } else { $x | ConvertTo-Json -Depth 5 }
}

# A service's log: the tails of its newest files under C:\k and C:\var\log (a '==> file <=='
# line before each when there are several), else its entries in the Application event log.
$LogBody = {
  $pats = @(('C:\k\' + $Svc + '*.log'), ('C:\var\log\' + $Svc + '\*.log'), ('C:\var\log\' + $Svc + '*.log'))
  $files = @(Get-ChildItem -Path $pats -File -ErrorAction SilentlyContinue |
    Sort-Object LastWriteTime -Descending | Select-Object -First 3 | Sort-Object LastWriteTime)
  if ($files.Count -gt 0) {
    $sb = New-Object Text.StringBuilder
    foreach ($f in $files) {
      if ($files.Count -gt 1) { [void]$sb.Append('==> ' + $f.FullName + " <==`n") }
      foreach ($l in @(Get-Content -LiteralPath $f.FullName -Tail $O.TailLines)) { [void]$sb.Append($l).Append("`n") }
    }
    return $sb.ToString()
  }
  $f = @{ LogName = 'Application'; ProviderName = $Svc; StartTime = (Get-Date).AddHours(-$O.EventHours) }
  try { $ev = @(Get-WinEvent -FilterHashtable $f -MaxEvents $O.TailLines -ErrorAction Stop) }
  catch { throw ('no log file (' + ($pats -join ', ') + ') and no Application event log entries from ' + $Svc + ': ' + $_.Exception.Message) }
  [array]::Reverse($ev)
  (@($ev | ForEach-Object { $_.TimeCreated.ToString('o') + ' ' + $_.LevelDisplayName + ' ' + ($_.Message -replace '\r?\n', ' ') }) -join "`n") + "`n"
}

# Runs first in every item's runspace.
$Lib = {
  $ErrorActionPreference = 'Stop'
  $ProgressPreference = 'SilentlyContinue'
  function Read-Text([string]$Path) {
    $fi = Get-Item -LiteralPath $Path
    if ($fi.Length -gt $O.MaxBytes) { throw ('{0} is {1} bytes, more than the limit of {2}' -f $Path, $fi.Length, $O.MaxBytes) }
    $fs = [IO.File]::Open($fi.FullName, 'Open', 'Read', 'ReadWrite, Delete')
    try { (New-Object IO.StreamReader($fs, $true)).ReadToEnd() } finally { $fs.Dispose() }
  }
  function Get-ContainerdPaths {
    $exe = $null; $cfg = $null
    $svc = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\containerd' -ErrorAction SilentlyContinue
    if ($svc -and $svc.ImagePath) {
      $m = [regex]::Match([string]$svc.ImagePath, '^\s*"?([^"]+?\.exe)')
      if ($m.Success) { $exe = $m.Groups[1].Value }
      $m = [regex]::Match([string]$svc.ImagePath, '--config[= ]+"?([^"]+?\.toml)')
      if ($m.Success) { $cfg = $m.Groups[1].Value }
    }
    if (-not $exe) { $exe = Join-Path $env:ProgramFiles 'containerd\containerd.exe' }
    if (-not (Test-Path -LiteralPath $exe)) {
      $c = Get-Command containerd.exe -ErrorAction SilentlyContinue
      if ($c) { $exe = $c.Path }
    }
    if (-not $cfg) { $cfg = Join-Path $env:ProgramFiles 'containerd\config.toml' }
    @{ Exe = $exe; Config = $cfg }
  }
  function Get-EventsJson([string]$Log, [string]$Provider) {
    $f = @{ LogName = $Log; StartTime = (Get-Date).AddHours(-$O.EventHours) }
    if ($Provider) { $f.ProviderName = $Provider }
    try { $ev = @(Get-WinEvent -FilterHashtable $f -MaxEvents $O.MaxEvents -ErrorAction Stop) }
    catch { if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { return '[]' } throw }
    $ev | Select-Object 'TimeCreated', 'Id', 'LevelDisplayName', 'ProviderName', 'Message' | ConvertTo-Json
  }
}

$Jobs = @(
  @{ Path = 'os.json'; Body = {
    Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' |
      Select-Object 'ProductName', 'DisplayVersion', 'EditionID', 'InstallationType', 'CurrentBuild', 'CurrentBuildNumber', 'UBR' |
      ConvertTo-Json
  } }
  @{ Path = 'services.json'; Body = {
    $s = @(Get-Service -Name 'kubelet', 'containerd', 'kube-proxy', 'csi-proxy', 'docker' -ErrorAction SilentlyContinue)
    if ($s.Count -eq 0) { '[]' } else { $s | Select-Object 'Name', 'DisplayName', 'Status', 'StartType' | ConvertTo-Json }
  } }
  @{ Path = 'containerd/version.txt'; Body = {
    $p = Get-ContainerdPaths
    if (-not (Test-Path -LiteralPath $p.Exe)) { throw ('containerd.exe not found (' + $p.Exe + ')') }
    $ErrorActionPreference = 'Continue'
    (& $p.Exe --version 2>&1 | Out-String).TrimEnd() + "`n"
  } }
  @{ Path = 'containerd/config.toml'; Body = { Read-Text (Get-ContainerdPaths).Config } }
  @{ Path = 'cni'; Body = {
    $dirs = @()
    $cfg = (Get-ContainerdPaths).Config
    if (Test-Path -LiteralPath $cfg) {
      $m = [regex]::Match((Read-Text $cfg), 'conf_dir\s*=\s*[''"]([^''"]+)[''"]')
      if ($m.Success) { $dirs += $m.Groups[1].Value.Replace('\\', '\') }
    }
    $dirs += 'C:\etc\cni\net.d'
    $dirs += Join-Path $env:ProgramFiles 'containerd\cni\conf'
    $dir = $dirs | Where-Object { Test-Path -LiteralPath $_ -PathType Container } | Select-Object -First 1
    if (-not $dir) { throw ('no CNI configuration directory (looked in ' + ($dirs -join ', ') + ')') }
    $files = @(Get-ChildItem -LiteralPath $dir -File | Sort-Object Name | Select-Object -First $O.MaxCniFiles)
    if ($files.Count -eq 0) { throw ('the CNI configuration directory ' + $dir + ' is empty') }
    foreach ($f in $files) {
      $name = [regex]::Replace($f.Name, '[^A-Za-z0-9._-]', '_')
      if ($name.StartsWith('.')) { $name = '_' + $name }
      try { @{ hpPath = 'cni/' + $name; text = Read-Text $f.FullName } }
      catch { @{ hpPath = 'cni/' + $name; error = $_.Exception.Message } }
    }
  } }
  @{ Path = 'hns/networks.json'; Vars = @{ Kind = 'Network' }; Body = $HnsBody }
  @{ Path = 'hns/endpoints.json'; Vars = @{ Kind = 'Endpoint' }; Body = $HnsBody }
  @{ Path = 'disk.json'; Body = {
    Get-CimInstance Win32_LogicalDisk -Filter 'DriveType=3' | Select-Object 'DeviceID', 'Size', 'FreeSpace' | ConvertTo-Json
  } }
  @{ Path = 'logs/kubelet.log'; Vars = @{ Svc = 'kubelet' }; Body = $LogBody }
  @{ Path = 'logs/containerd.log'; Vars = @{ Svc = 'containerd' }; Body = $LogBody }
  @{ Path = 'logs/kube-proxy.log'; Vars = @{ Svc = 'kube-proxy' }; Body = $LogBody }
  @{ Path = 'logs/csi-proxy.log'; Vars = @{ Svc = 'csi-proxy' }; Body = $LogBody }
  @{ Path = 'events/scm.json'; Body = { Get-EventsJson 'System' 'Service Control Manager' } }
  @{ Path = 'events/hyperv-compute.json'; Body = { Get-EventsJson 'Microsoft-Windows-Hyper-V-Compute-Admin' '' } }
)

function Invoke-Redact([string]$Text) {
  $script:RedactCount = 0
  foreach ($r in $RedactRules) {
    $Text = [regex]::Replace($Text, $r.p, [Text.RegularExpressions.MatchEvaluator] {
      param($m)
      $v = $m.Groups[2].Value
      if ($v.Length -eq 0 -or $v.Contains($Marker)) { return $m.Value }
      $script:RedactCount++
      $m.Groups[1].Value + $Marker + $m.Groups[3].Value
    })
  }
  $Text
}

function Write-Item([string]$Path, $Text, $Err, [long]$Ms) {
  $red = 0
  $bytes = New-Object byte[] 0
  if ($null -ne $Text) {
    $t = Invoke-Redact ([string]$Text)
    $red = $script:RedactCount
    if ($t.Length -gt $MaxItemBytes) {
      $t = $t.Substring($t.Length - $MaxItemBytes)
      if (-not $Err) { $Err = 'cut to its last ' + $MaxItemBytes + ' characters' }
    }
    $bytes = [Text.Encoding]::UTF8.GetBytes($t)
  }
  $sha = [Security.Cryptography.SHA256]::Create()
  $hash = -join ($sha.ComputeHash($bytes) | ForEach-Object { $_.ToString('x2') })
  if ($Err) { $Err = Invoke-Redact ([string]$Err); $red += $script:RedactCount }
  $h = [ordered]@{ path = $Path; size = $bytes.Length; sha256 = $hash; error = $Err; redactions = $red; ms = $Ms }
  $json = [regex]::Replace(($h | ConvertTo-Json -Compress), '[^\x20-\x7e]', [Text.RegularExpressions.MatchEvaluator] { param($m) '\u{0:x4}' -f [int][char]$m.Value })
  $sb = New-Object Text.StringBuilder
  [void]$sb.Append('@@HP-ITEM ').Append($json).Append("`n")
  $b64 = [Convert]::ToBase64String($bytes)
  for ($i = 0; $i -lt $b64.Length; $i += 76) { [void]$sb.Append($b64.Substring($i, [Math]::Min(76, $b64.Length - $i))).Append("`n") }
  [void]$sb.Append("@@HP-END`n")
  [Console]::Out.Write($sb.ToString())
  [Console]::Out.Flush()
}

function Start-Item($Job) {
  $r = @{ Job = $Job; Clock = [Diagnostics.Stopwatch]::StartNew() }
  try {
    $rs = [runspacefactory]::CreateRunspace()
    $rs.Open()
    $rs.SessionStateProxy.SetVariable('O', $O)
    if ($Job.Vars) { foreach ($k in $Job.Vars.Keys) { $rs.SessionStateProxy.SetVariable($k, $Job.Vars[$k]) } }
    $ps = [powershell]::Create()
    $ps.Runspace = $rs
    [void]$ps.AddScript($Lib.ToString() + "`n" + $Job.Body.ToString())
    $r.RS = $rs; $r.PS = $ps; $r.Handle = $ps.BeginInvoke()
  } catch { $r.Error = 'could not start: ' + $_.Exception.Message }
  $r
}

function Complete-Item($R) {
  $recs = @()
  if ($R.Error) {
    $recs = @(@{ hpPath = $R.Job.Path; error = $R.Error })
  } elseif (-not $R.Handle.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $ItemTimeoutSecs * 1000 - $R.Clock.ElapsedMilliseconds))) {
    try { [void]$R.PS.BeginStop($null, $null) } catch { }
    $recs = @(@{ hpPath = $R.Job.Path; error = 'timed out after ' + $ItemTimeoutSecs + ' s' })
  } else {
    try {
      $out = @($R.PS.EndInvoke($R.Handle))
      $recs = @($out | Where-Object { $_ -is [hashtable] -and $_.ContainsKey('hpPath') })
      if ($recs.Count -eq 0) {
        $recs = @(@{ hpPath = $R.Job.Path; text = (@($out | ForEach-Object { [string]$_ }) -join "`n") })
      }
    } catch {
      $e = $_.Exception
      while ($e.InnerException) { $e = $e.InnerException }
      $recs = @(@{ hpPath = $R.Job.Path; error = $e.Message })
    }
    $R.PS.Dispose(); $R.RS.Dispose()
  }
  foreach ($x in $recs) { Write-Item $x.hpPath $x.text $x.error $R.Clock.ElapsedMilliseconds }
  $recs.Count
}

$O = @{ MaxBytes = $MaxItemBytes; TailLines = $TailLines; EventHours = $EventHours; MaxEvents = $MaxEvents; MaxCniFiles = $MaxCniFiles }
$clock = [Diagnostics.Stopwatch]::StartNew()
$begin = [ordered]@{ format = 'kubectl-hostprocess-collector/1'; node = $env:COMPUTERNAME; ps = $PSVersionTable.PSVersion.ToString(); itemTimeoutSecs = $ItemTimeoutSecs }
[Console]::Out.Write('@@HP-BEGIN ' + ($begin | ConvertTo-Json -Compress) + "`n")
$count = 0
for ($i = 0; $i -lt $Jobs.Count; $i += $Parallel) {
  $batch = @($Jobs[$i..([Math]::Min($i + $Parallel, $Jobs.Count) - 1)] | ForEach-Object { Start-Item $_ })
  foreach ($r in $batch) { $count += Complete-Item $r }
}
$done = [ordered]@{ items = $count; ms = $clock.ElapsedMilliseconds }
[Console]::Out.Write('@@HP-DONE ' + ($done | ConvertTo-Json -Compress) + "`n")
[Console]::Out.Flush()
# A timed-out item's runspace may still be running: end the process rather than wait for it.
[Environment]::Exit(0)
