# -*- coding: utf-8 -*-
# Copyright: (c) 2026, beowulf.slurm developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each Slurm release accepts in slurm.conf and cgroup.conf: one table for every version rule.

Slurm stops at startup on a key its parser does not know ("Parsing error at unrecognized key",
then fatal), so a setting that is right for one release keeps the daemons of another from
starting. The key names below are the parser's tables (``slurm_conf_options`` in
src/common/read_config.c, the cgroup.conf options in src/interfaces/cgroup.c) at the newest tag
of each series: 22.05.11, 23.02.8, 23.11.11, 24.05.8, 24.11.7, 25.05.8, 25.11.7, 26.05.3.
Keys match without regard to case, as in Slurm. A release outside the table (older than 22.05,
newer than 26.05) is not checked: nothing is refused that this table cannot know about.

Pure Python, unit-tested (tests/unit/plugins/module_utils/test_slurm_versions.py).
"""

from __future__ import annotations

import re

from ansible_collections.beowulf.slurm.plugins.module_utils.slurm_upgrade import release as release_of

# Per file: the keys of 22.05, then (release, added, removed) for each later series.
_HISTORY: dict[str, tuple] = {
    "slurm.conf": (
        # 22.05
        (
            "AccountingStorageBackupHost", "AccountingStorageEnforce", "AccountingStorageExternalHost",
            "AccountingStorageHost", "AccountingStorageLoc", "AccountingStorageParameters",
            "AccountingStoragePass", "AccountingStoragePort", "AccountingStorageTRES",
            "AccountingStorageType", "AccountingStorageUser", "AccountingStoreFlags",
            "AccountingStoreJobComment", "AcctGatherEnergyType", "AcctGatherFilesystemType",
            "AcctGatherInfinibandType", "AcctGatherInterconnectType", "AcctGatherNodeFreq",
            "AcctGatherProfileType", "AllowSpecResourcesUsage", "AuthAltParameters", "AuthAltTypes",
            "AuthInfo", "AuthType", "BackupAddr", "BackupController", "BatchStartTimeout", "BcastExclude",
            "BcastParameters", "BurstBufferParameters", "BurstBufferType", "CliFilterPlugins", "ClusterName",
            "CommunicationParameters", "CompleteWait", "ControlAddr", "ControlMachine", "CoreSpecPlugin",
            "CpuFreqDef", "CpuFreqGovernors", "CredType", "CryptoType", "DebugFlags", "DefCPUPerGPU",
            "DefMemPerCPU", "DefMemPerGPU", "DefMemPerNode", "DependencyParameters", "DisableRootJobs",
            "DownNodes", "EioTimeout", "EnforcePartLimits", "Epilog", "EpilogMsgTime", "EpilogSlurmctld",
            "ExtSensorsFreq", "ExtSensorsType", "FairShareDampeningFactor", "FastSchedule",
            "FederationParameters", "FirstJobId", "FrontendName", "GetEnvTimeout", "GpuFreqDef", "GresTypes",
            "GroupUpdateForce", "GroupUpdateTime", "HealthCheckInterval", "HealthCheckNodeState",
            "HealthCheckProgram", "InactiveLimit", "InteractiveStepOptions", "JobAcctGatherFrequency",
            "JobAcctGatherParams", "JobAcctGatherType", "JobCompHost", "JobCompLoc", "JobCompParams",
            "JobCompPass", "JobCompPort", "JobCompType", "JobCompUser", "JobContainerType",
            "JobCredentialPrivateKey", "JobCredentialPublicCertificate", "JobFileAppend", "JobRequeue",
            "JobSubmitPlugins", "KeepAliveTime", "KillOnBadExit", "KillWait", "LaunchParameters",
            "LaunchType", "Licenses", "LogTimeFormat", "MCSParameters", "MCSPlugin", "MailDomain", "MailProg",
            "MaxArraySize", "MaxDBDMsgs", "MaxJobCount", "MaxJobId", "MaxMemPerCPU", "MaxMemPerNode",
            "MaxNodeCount", "MaxStepCount", "MaxTasksPerNode", "MessageTimeout", "MinJobAge", "MpiDefault",
            "MpiParams", "NodeFeaturesPlugins", "NodeName", "NodeSet", "OverTimeLimit", "PartitionName",
            "PlugStackConfig", "PluginDir", "PowerParameters", "PowerPlugin", "PrEpParameters", "PrEpPlugins",
            "PreemptExemptTime", "PreemptMode", "PreemptType", "PriorityCalcPeriod", "PriorityDecayHalfLife",
            "PriorityFavorSmall", "PriorityFlags", "PriorityMaxAge", "PriorityParameters",
            "PrioritySiteFactorParameters", "PrioritySiteFactorPlugin", "PriorityType",
            "PriorityUsageResetPeriod", "PriorityWeightAge", "PriorityWeightAssoc", "PriorityWeightFairshare",
            "PriorityWeightJobSize", "PriorityWeightPartition", "PriorityWeightQOS", "PriorityWeightTRES",
            "PrivateData", "ProctrackType", "Prolog", "PrologEpilogTimeout", "PrologFlags", "PrologSlurmctld",
            "PropagatePrioProcess", "PropagateResourceLimits", "PropagateResourceLimitsExcept",
            "RebootProgram", "ReconfigFlags", "RequeueExit", "RequeueExitHold", "ResumeFailProgram",
            "ResumeProgram", "ResumeRate", "ResumeTimeout", "ResvEpilog", "ResvOverRun", "ResvProlog",
            "ReturnToService", "RoutePlugin", "SallocDefaultCommand", "SbcastParameters", "SchedulerAuth",
            "SchedulerParameters", "SchedulerTimeSlice", "SchedulerType", "ScronParameters", "SelectType",
            "SelectTypeParameters", "SlurmSchedLogFile", "SlurmSchedLogLevel", "SlurmUser", "SlurmctldAddr",
            "SlurmctldDebug", "SlurmctldHost", "SlurmctldLogFile", "SlurmctldParameters", "SlurmctldPidFile",
            "SlurmctldPlugstack", "SlurmctldPort", "SlurmctldPrimaryOffProg", "SlurmctldPrimaryOnProg",
            "SlurmctldSyslogDebug", "SlurmctldTimeout", "SlurmdDebug", "SlurmdLogFile", "SlurmdParameters",
            "SlurmdPidFile", "SlurmdPort", "SlurmdSpoolDir", "SlurmdSyslogDebug", "SlurmdTimeout",
            "SlurmdUser", "SrunEpilog", "SrunPortRange", "SrunProlog", "StateSaveLocation", "SuspendExcNodes",
            "SuspendExcParts", "SuspendProgram", "SuspendRate", "SuspendTime", "SuspendTimeout",
            "SwitchParameters", "SwitchType", "TCPTimeout", "TaskEpilog", "TaskPlugin", "TaskPluginParam",
            "TaskProlog", "TmpFS", "TopologyParam", "TopologyPlugin", "TrackWCKey", "TreeWidth",
            "UnkillableStepProgram", "UnkillableStepTimeout", "UsePAM", "VSizeFactor", "WaitTime",
            "X11Parameters",
        ),
        ("23.02", ("MaxBatchRequeue", "PreemptParameters", "SuspendExcStates"), ("SlurmctldPlugstack",)),
        ("23.11", (), ()),
        ("24.05", ("HashPlugin", "TLSParameters", "TLSType"), ("SchedulerAuth",)),
        ("24.11", ("CertmgrParameters", "CertmgrType", "DataParserParameters"), ()),
        ("25.05", ("CertgenParameters", "CertgenType", "EpilogTimeout", "PrologTimeout"), ("FrontendName",)),
        ("25.11", ("CliFilterParameters", "HttpParserType", "JobCompPassScript", "MetricsType", "NamespaceType",
                   "UrlParserType"), ("AccountingStorageLoc",)),
        ("26.05", ("HealthCheckTimeout", "LicenseParameters", "MetricsAuthUsers", "MetricsParameters", "PowerAction",
                   "SlurmctldHttpAuthParameters", "SlurmdHttpAuthParameters"), ()),
    ),
    "cgroup.conf": (
        # 22.05
        (
            "AllowedDevicesFile", "AllowedKmemSpace", "AllowedRAMSpace", "AllowedSwapSpace",
            "CgroupAutomount", "CgroupMountpoint", "CgroupPlugin", "CgroupReleaseAgentDir", "ConstrainCores",
            "ConstrainDevices", "ConstrainKmemSpace", "ConstrainRAMSpace", "ConstrainSwapSpace",
            "IgnoreSystemd", "IgnoreSystemdOnFailure", "MaxKmemPercent", "MaxRAMPercent", "MaxSwapPercent",
            "MemoryLimitEnforcement", "MemoryLimitThreshold", "MemorySwappiness", "MinKmemSpace",
            "MinRAMSpace",
        ),
        ("23.02", ("EnableControllers", "RootOwnedCgroups"), ()),
        ("23.11", ("SignalChildrenProcesses",), ("AllowedKmemSpace", "ConstrainKmemSpace", "MaxKmemPercent",
                                                 "MinKmemSpace", "RootOwnedCgroups")),
        ("24.05", ("SystemdTimeout",), ()),
        ("24.11", (), ()),
        ("25.05", ("EnableExtraControllers",), ()),
        ("25.11", ("CgroupSlice",), ("CgroupReleaseAgentDir",)),
        ("26.05", ("CgroupJobIdPaths",), ()),
    ),
}

# Still parsed, but ignored with "The option X is defunct" (from the release given).
DEFUNCT = {
    "slurm.conf": {"SchedulerAuth": "22.05", "ExtSensorsFreq": "23.11", "ExtSensorsType": "23.11",
                   "JobCredentialPrivateKey": "23.11", "JobCredentialPublicCertificate": "23.11",
                   "CoreSpecPlugin": "24.05", "PowerParameters": "24.05", "PowerPlugin": "24.05",
                   "GetEnvTimeout": "25.05", "AccountingStorageUser": "25.11"},
    "cgroup.conf": {"CgroupAutomount": "23.11"},
}
# Still in the parser's table of every release here, but the daemon refuses to start on them.
REFUSED = {
    "slurm.conf": {"FastSchedule": "use SlurmdParameters=config_overrides (slurm_config_overrides)",
                   "AccountingStorageLoc": "remove it",
                   "AccountingStoreJobComment": "use AccountingStoreFlags=job_comment",
                   "SallocDefaultCommand": "use LaunchParameters=use_interactive_step"},
    "cgroup.conf": {"CgroupReleaseAgentDir": "remove it"},
}
# Keys that came in a point release, not with the series: key -> first version that has it.
POINT_RELEASE = {"cgroup.conf": {"EnableControllers": "23.02.1", "CgroupJobIdPaths": "26.05.2"}}
# Keys the role writes from its defaults only where the release has them (cgroup.conf's
# CgroupPlugin came in 22.05: for older releases it is left out).
DEFAULT_SINCE = {"cgroup.conf": {"CgroupPlugin": "22.05"}}

RELEASES = tuple(["22.05"] + [step[0] for step in _HISTORY["slurm.conf"][1:]])
OPTION = {"slurm.conf": "slurm_config", "cgroup.conf": "slurm_cgroup_config"}


def _version(version: str | None) -> tuple[int, ...] | None:
    """'26.05.5-1' -> (26, 5, 5); '24.11' -> (24, 11); nothing or not a version -> None."""
    found = re.match(r"^(?:\d+:)?(\d+)\.(\d+)(?:\.(\d+))?", str(version or "").strip())
    if not found:
        return None
    return tuple(int(part) for part in found.groups() if part is not None)


def known_keys(conf: str, release: str) -> dict[str, str] | None:
    """Lower-case key -> key as Slurm spells it, for ``conf`` at ``release``; None when unknown."""
    if release not in RELEASES:
        return None
    history = _HISTORY[conf]
    keys = {name.lower(): name for name in history[0]}
    for step, added, removed in history[1:]:
        if step > release:
            break
        keys.update((name.lower(), name) for name in added)
        for name in removed:
            keys.pop(name.lower(), None)
    return keys


def _releases_with(conf: str, key: str) -> list[str]:
    """The releases of the table whose ``conf`` has ``key``, oldest first."""
    return [release for release in RELEASES if key.lower() in (known_keys(conf, release) or {})]


def key_error(conf: str, key: str, version: str | None) -> str | None:
    """Why Slurm ``version`` would not start with (or would ignore) ``key`` in ``conf``."""
    release = release_of(version)
    keys = known_keys(conf, release) if release else None
    if keys is None:
        return None
    where = "%s.%s" % (OPTION[conf], key)
    lower = key.lower()
    refused = {name.lower(): (name, how) for name, how in REFUSED.get(conf, {}).items()}
    if lower in refused:
        name, how = refused[lower]
        return "%s: Slurm %s refuses to start with %s in %s (%s)" % (where, version, name, conf, how)
    if lower not in keys:
        having = _releases_with(conf, key)
        if having and having[0] > release:
            why = "it came in %s" % having[0]
        elif having and having[-1] < release:
            why = "it was removed after %s" % having[-1]
        else:
            why = "no Slurm release from %s to %s has it: check the spelling" % (RELEASES[0], RELEASES[-1])
        return ("%s: Slurm %s does not know the key %s (%s), and its daemons would not start with "
                "it in %s" % (where, version, key, why, conf))
    since = {name.lower(): (name, rel) for name, rel in POINT_RELEASE.get(conf, {}).items()}
    if lower in since and (_version(version) or ()) < (_version(since[lower][1]) or ()):
        return ("%s: Slurm %s does not know the key %s (it came in %s), and its daemons would not start "
                "with it in %s" % (where, version, since[lower][0], since[lower][1], conf))
    defunct = {name.lower(): rel for name, rel in DEFUNCT.get(conf, {}).items()}
    if lower in defunct and defunct[lower] <= release:
        return ("%s: %s is defunct since Slurm %s: Slurm %s ignores it; remove it"
                % (where, keys[lower], defunct[lower], version))
    return None


def key_errors(version: str | None, settings: dict[str, dict]) -> list[str]:
    """Every problem with the keys of ``settings`` (conf name -> key -> value; None = left out)."""
    errors = []
    for conf in ("slurm.conf", "cgroup.conf"):
        for key, value in (settings.get(conf) or {}).items():
            if value is None:
                continue
            error = key_error(conf, str(key), version)
            if error:
                errors.append(error)
    return errors


def version_defaults(conf: str, defaults: dict, version: str | None) -> dict:
    """The role's defaults for ``conf`` without the keys ``version`` does not have yet."""
    release = release_of(version)
    if not release:
        return dict(defaults)
    return {key: value for key, value in defaults.items()
            if DEFAULT_SINCE.get(conf, {}).get(key, "00.00") <= release}
