#pragma once
// The gpu_metrics structures of the Linux kernel's drivers/gpu/drm/amd/include/kgd_pp_interface.h
// (torvalds/linux, gpu_metrics_v1_0 ... v1_6, v2_0 ... v2_4, v3_0), restated field by field for
// the test fixture builder. They are laid out by the compiler exactly as the kernel's are
// (natural alignment, no packing), which is what makes them an independent check of the byte
// offsets collectors/gpu/gpu_metrics.cpp hard-codes. Plain data; test code only.
#include <cstdint>

namespace llmon::test::gpu_metrics_layout {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

struct Header {
  u16 structure_size;
  u8 format_revision;
  u8 content_revision;
};

// Discrete GPUs (Navi, RDNA2-4, Arcturus/Aldebaran).
struct V1_0 {
  Header header;
  u64 system_clock_counter;
  u16 temperature_edge, temperature_hotspot, temperature_mem, temperature_vrgfx, temperature_vrsoc,
      temperature_vrmem;
  u16 average_gfx_activity, average_umc_activity, average_mm_activity;
  u16 average_socket_power;
  u32 energy_accumulator;
  u16 average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency,
      average_vclk0_frequency, average_dclk0_frequency, average_vclk1_frequency,
      average_dclk1_frequency;
  u16 current_gfxclk, current_socclk, current_uclk, current_vclk0, current_dclk0, current_vclk1,
      current_dclk1;
  u32 throttle_status;
  u16 current_fan_speed;
  u8 pcie_link_width, pcie_link_speed;
};

struct V1_1 {
  Header header;
  u16 temperature_edge, temperature_hotspot, temperature_mem, temperature_vrgfx, temperature_vrsoc,
      temperature_vrmem;
  u16 average_gfx_activity, average_umc_activity, average_mm_activity;
  u16 average_socket_power;
  u64 energy_accumulator;
  u64 system_clock_counter;
  u16 average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency,
      average_vclk0_frequency, average_dclk0_frequency, average_vclk1_frequency,
      average_dclk1_frequency;
  u16 current_gfxclk, current_socclk, current_uclk, current_vclk0, current_dclk0, current_vclk1,
      current_dclk1;
  u32 throttle_status;
  u16 current_fan_speed;
  u16 pcie_link_width, pcie_link_speed;
  u16 padding;
  u32 gfx_activity_acc, mem_activity_acc;
  u16 temperature_hbm[4];
};

struct V1_2 : V1_1 {
  u64 firmware_timestamp;
};

struct V1_3 : V1_2 {
  u16 voltage_soc, voltage_gfx, voltage_mem;
  u16 padding1;
  u64 indep_throttle_status;
};

// Instinct MI300 (smu_v13_0_6).
struct V1_4 {
  Header header;
  u16 temperature_hotspot, temperature_mem, temperature_vrsoc;
  u16 curr_socket_power;
  u16 average_gfx_activity, average_umc_activity;
  u16 vcn_activity[4];
  u64 energy_accumulator;
  u64 system_clock_counter;
  u32 throttle_status;
  u32 gfxclk_lock_status;
  u16 pcie_link_width, pcie_link_speed;
  u16 xgmi_link_width, xgmi_link_speed;
  u32 gfx_activity_acc, mem_activity_acc;
  u64 pcie_bandwidth_acc, pcie_bandwidth_inst, pcie_l0_to_recov_count_acc, pcie_replay_count_acc,
      pcie_replay_rover_count_acc;
  u64 xgmi_read_data_acc[8], xgmi_write_data_acc[8];
  u64 firmware_timestamp;
  u16 current_gfxclk[8], current_socclk[4], current_vclk0[4], current_dclk0[4];
  u16 current_uclk;
  u16 padding;
};

struct V1_5 {
  Header header;
  u16 temperature_hotspot, temperature_mem, temperature_vrsoc;
  u16 curr_socket_power;
  u16 average_gfx_activity, average_umc_activity;
  u16 vcn_activity[4];
  u16 jpeg_activity[32];
  u64 energy_accumulator;
  u64 system_clock_counter;
  u32 throttle_status;
  u32 gfxclk_lock_status;
  u16 pcie_link_width, pcie_link_speed;
  u16 xgmi_link_width, xgmi_link_speed;
  u32 gfx_activity_acc, mem_activity_acc;
  u64 pcie_bandwidth_acc, pcie_bandwidth_inst, pcie_l0_to_recov_count_acc, pcie_replay_count_acc,
      pcie_replay_rover_count_acc;
  u32 pcie_nak_sent_count_acc, pcie_nak_rcvd_count_acc;
  u64 xgmi_read_data_acc[8], xgmi_write_data_acc[8];
  u64 firmware_timestamp;
  u16 current_gfxclk[8], current_socclk[4], current_vclk0[4], current_dclk0[4];
  u16 current_uclk;
  u16 padding;
};

struct V1_6 {
  Header header;
  u16 temperature_hotspot, temperature_mem, temperature_vrsoc;
  u16 curr_socket_power;
  u16 average_gfx_activity, average_umc_activity;
  u16 vcn_activity[4];
  u16 jpeg_activity[32];
  u64 energy_accumulator;
  u64 system_clock_counter;
  u32 accumulation_counter;
  u32 prochot_residency_acc, ppt_residency_acc, socket_thm_residency_acc, vr_thm_residency_acc,
      hbm_thm_residency_acc;
  u32 throttle_status;
  u32 gfxclk_lock_status;
  u16 pcie_link_width, pcie_link_speed;
  u16 xgmi_link_width, xgmi_link_speed;
  u32 gfx_activity_acc, mem_activity_acc;
  u64 pcie_bandwidth_acc, pcie_bandwidth_inst, pcie_l0_to_recov_count_acc, pcie_replay_count_acc,
      pcie_replay_rover_count_acc;
  u32 pcie_nak_sent_count_acc, pcie_nak_rcvd_count_acc;
  u64 xgmi_read_data_acc[8], xgmi_write_data_acc[8];
  u64 firmware_timestamp;
  u16 current_gfxclk[8], current_socclk[4], current_vclk0[4], current_dclk0[4];
  u16 current_uclk;
  u16 padding;
};

// APUs (Renoir, Van Gogh, Rembrandt, Phoenix...).
struct V2_0 {
  Header header;
  u64 system_clock_counter;
  u16 temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  u16 average_gfx_activity, average_mm_activity;
  u16 average_socket_power, average_cpu_power, average_soc_power, average_gfx_power;
  u16 average_core_power[8];
  u16 average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency,
      average_fclk_frequency, average_vclk_frequency, average_dclk_frequency;
  u16 current_gfxclk, current_socclk, current_uclk, current_fclk, current_vclk, current_dclk;
  u16 current_coreclk[8], current_l3clk[2];
  u32 throttle_status;
  u16 fan_pwm;
  u16 padding;
};

struct V2_1 {
  Header header;
  u16 temperature_gfx, temperature_soc, temperature_core[8], temperature_l3[2];
  u16 average_gfx_activity, average_mm_activity;
  u64 system_clock_counter;
  u16 average_socket_power, average_cpu_power, average_soc_power, average_gfx_power;
  u16 average_core_power[8];
  u16 average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency,
      average_fclk_frequency, average_vclk_frequency, average_dclk_frequency;
  u16 current_gfxclk, current_socclk, current_uclk, current_fclk, current_vclk, current_dclk;
  u16 current_coreclk[8], current_l3clk[2];
  u32 throttle_status;
  u16 fan_pwm;
  u16 padding[3];
};

struct V2_2 : V2_1 {
  u64 indep_throttle_status;
};

struct V2_3 : V2_2 {
  u16 average_temperature_gfx, average_temperature_soc, average_temperature_core[8],
      average_temperature_l3[2];
};

struct V2_4 : V2_3 {
  u16 average_cpu_voltage, average_soc_voltage, average_gfx_voltage;
  u16 average_cpu_current, average_soc_current, average_gfx_current;
};

// MP1 14.0.x APUs: Strix Point, Krackan, Strix Halo.
struct V3_0 {
  Header header;
  u16 temperature_gfx, temperature_soc, temperature_core[16], temperature_skin;
  u16 average_gfx_activity, average_vcn_activity, average_ipu_activity[8],
      average_core_c0_activity[16];
  u16 average_dram_reads, average_dram_writes, average_ipu_reads, average_ipu_writes;
  u64 system_clock_counter;
  u32 average_socket_power;
  u16 average_ipu_power;
  u32 average_apu_power, average_gfx_power, average_dgpu_power, average_all_core_power;
  u16 average_core_power[16];
  u16 average_sys_power, stapm_power_limit, current_stapm_power_limit;
  u16 average_gfxclk_frequency, average_socclk_frequency, average_vpeclk_frequency,
      average_ipuclk_frequency, average_fclk_frequency, average_vclk_frequency,
      average_uclk_frequency, average_mpipu_frequency;
  u16 current_coreclk[16];
  u16 current_core_maxfreq, current_gfx_maxfreq;
  u32 throttle_residency_prochot, throttle_residency_spl, throttle_residency_fppt,
      throttle_residency_sppt, throttle_residency_thm_core, throttle_residency_thm_gfx,
      throttle_residency_thm_soc;
  u32 time_filter_alphavalue;
};

}  // namespace llmon::test::gpu_metrics_layout
